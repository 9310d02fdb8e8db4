namespace Stoke.Runtime.Quotas;

/// <summary>
/// The quota of one API key, keyed by a hash of the key (never the key itself): requests and tokens over a sliding
/// minute. One activation in the cluster, so the limits hold across every node's gateway.
/// </summary>
public interface IApiKeyQuotaGrain : IGrainWithStringKey
{
    /// <summary>Counts a request if both limits leave room; otherwise refuses, naming the limit and when to retry.</summary>
    Task<QuotaVerdict> Admit(QuotaLimits limits);

    /// <summary>Charges tokens a request used (prompt and completion) to the current window.</summary>
    Task Charge(long tokens);
}

/// <summary>A key's limits per minute; 0 means unlimited.</summary>
[GenerateSerializer, Immutable]
public sealed record QuotaLimits([property: Id(0)] int RequestsPerMinute, [property: Id(1)] long TokensPerMinute);

/// <summary>Whether a request may go ahead; when not, which limit it hit and when the window will have room.</summary>
[GenerateSerializer, Immutable]
public sealed record QuotaVerdict(
    [property: Id(0)] bool Admitted,
    [property: Id(1)] string? Limit,
    [property: Id(2)] string? Message,
    [property: Id(3)] TimeSpan RetryAfter);

internal sealed class ApiKeyQuotaGrain(TimeProvider time) : Grain, IApiKeyQuotaGrain
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<DateTimeOffset> _requests = new();
    private readonly Queue<(DateTimeOffset At, long Tokens)> _tokens = new();
    private long _tokensInWindow;

    public Task<QuotaVerdict> Admit(QuotaLimits limits)
    {
        var now = time.GetUtcNow();
        Slide(now);
        if (limits.RequestsPerMinute > 0 && _requests.Count >= limits.RequestsPerMinute)
        {
            return Task.FromResult(new QuotaVerdict(
                false, "requests_per_minute",
                $"Rate limit reached: requests per minute (limit {limits.RequestsPerMinute}, used {_requests.Count}).",
                _requests.Peek() + Window - now));
        }

        if (limits.TokensPerMinute > 0 && _tokensInWindow >= limits.TokensPerMinute)
        {
            return Task.FromResult(new QuotaVerdict(
                false, "tokens_per_minute",
                $"Rate limit reached: tokens per minute (limit {limits.TokensPerMinute}, used {_tokensInWindow}).",
                _tokens.Peek().At + Window - now));
        }

        _requests.Enqueue(now);
        return Task.FromResult(new QuotaVerdict(true, null, null, TimeSpan.Zero));
    }

    public Task Charge(long tokens)
    {
        if (tokens > 0)
        {
            var now = time.GetUtcNow();
            Slide(now);
            _tokens.Enqueue((now, tokens));
            _tokensInWindow += tokens;
        }

        return Task.CompletedTask;
    }

    private void Slide(DateTimeOffset now)
    {
        while (_requests.Count > 0 && now - _requests.Peek() >= Window)
        {
            _requests.Dequeue();
        }

        while (_tokens.Count > 0 && now - _tokens.Peek().At >= Window)
        {
            _tokensInWindow -= _tokens.Dequeue().Tokens;
        }
    }
}
