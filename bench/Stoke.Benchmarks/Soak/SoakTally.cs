using System.Collections.Concurrent;
using System.Net;

namespace Stoke.Benchmarks.Soak;

/// <summary>What one answer of the soak counts as.</summary>
internal enum SoakOutcome
{
    /// <summary>A 2xx with the body the request asked for.</summary>
    Ok,

    /// <summary>A deliberate refusal: 429 or 503 with <c>Retry-After</c>, the platform's way of shedding load.</summary>
    Refused,

    /// <summary>Anything else: another status, a 429/503 without <c>Retry-After</c>, a transport error, a wrong body.</summary>
    Error,
}

/// <summary>Counts of one kind of request (tensor, embedding, chat, deploy, delete, ...).</summary>
internal sealed class SoakKindCount
{
    private long _ok;
    private long _refused;
    private long _errors;
    private long _bareRefusals;

    public long Ok => Interlocked.Read(ref _ok);

    public long Refused => Interlocked.Read(ref _refused);

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>429s and 503s without <c>Retry-After</c> (also counted in <see cref="Errors"/>).</summary>
    public long BareRefusals => Interlocked.Read(ref _bareRefusals);

    public long Total => Ok + Refused + Errors;

    internal void Add(SoakOutcome outcome, bool bareRefusal)
    {
        switch (outcome)
        {
            case SoakOutcome.Ok:
                Interlocked.Increment(ref _ok);
                break;
            case SoakOutcome.Refused:
                Interlocked.Increment(ref _refused);
                break;
            default:
                Interlocked.Increment(ref _errors);
                break;
        }

        if (bareRefusal)
        {
            Interlocked.Increment(ref _bareRefusals);
        }
    }
}

/// <summary>
/// The soak's classification of every answer, per kind of request, with the first few errors kept word for word so a
/// failed run says what went wrong.
/// </summary>
internal sealed class SoakTally
{
    private const int KeptErrors = 20;
    private readonly ConcurrentDictionary<string, SoakKindCount> _kinds = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _errors = new();
    private long _errorCount;

    public IReadOnlyDictionary<string, SoakKindCount> Kinds => _kinds;

    /// <summary>The first errors, each with its kind, status and body (cut to 300 characters).</summary>
    public IReadOnlyCollection<string> FirstErrors => _errors;

    public long Errors => Interlocked.Read(ref _errorCount);

    public long Refusals => _kinds.Values.Sum(k => k.Refused);

    public long BareRefusals => _kinds.Values.Sum(k => k.BareRefusals);

    public long Requests => _kinds.Values.Sum(k => k.Total);

    /// <summary>2xx is ok; 429 or 503 with <c>Retry-After</c> is a deliberate refusal; anything else is an error.</summary>
    public static SoakOutcome Classify(HttpStatusCode status, bool hasRetryAfter) => (int)status switch
    {
        >= 200 and < 300 => SoakOutcome.Ok,
        429 or 503 when hasRetryAfter => SoakOutcome.Refused,
        _ => SoakOutcome.Error,
    };

    /// <summary>Classifies an answer whose body was read; <paramref name="bodyProblem"/> names what a 2xx body lacked (it makes the answer an error).</summary>
    public SoakOutcome Record(string kind, HttpResponseMessage response, string body, string? bodyProblem = null)
    {
        var retryAfter = response.Headers.RetryAfter is not null;
        var outcome = Classify(response.StatusCode, retryAfter);
        if (outcome == SoakOutcome.Ok && bodyProblem is not null)
        {
            outcome = SoakOutcome.Error;
        }

        var bare = !retryAfter && response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;
        Kind(kind).Add(outcome, bare);
        if (outcome == SoakOutcome.Error)
        {
            NoteError($"{kind}: {(int)response.StatusCode}{(bare ? " without Retry-After" : "")}{(bodyProblem is null ? "" : " " + bodyProblem)}: {Cut(body)}");
        }

        return outcome;
    }

    /// <summary>A request that got no answer: a refused connection, a reset, a timeout.</summary>
    public void RecordTransportError(string kind, Exception error)
    {
        Kind(kind).Add(SoakOutcome.Error, bareRefusal: false);
        NoteError($"{kind}: {error.GetType().Name}: {Cut(error.Message)}");
    }

    private SoakKindCount Kind(string kind) => _kinds.GetOrAdd(kind, _ => new SoakKindCount());

    private void NoteError(string text)
    {
        if (Interlocked.Increment(ref _errorCount) <= KeptErrors)
        {
            _errors.Enqueue(text);
        }
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
