using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// Collects finished spans of Stoke's, Orleans' and ASP.NET Core's ActivitySources in memory (the listener is process-wide, so a
/// test reads only the spans of the trace ids it gave its own requests).
/// </summary>
public sealed class SpanCollector : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("Stoke.", StringComparison.Ordinal) || s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
                || s.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>A fresh W3C <c>traceparent</c> as a client would send it, and its trace and span ids.</summary>
    public static (string Header, ActivityTraceId TraceId, ActivitySpanId ParentId) NewTraceParent()
    {
        var trace = ActivityTraceId.CreateRandom();
        var span = ActivitySpanId.CreateRandom();
        return ($"00-{trace.ToHexString()}-{span.ToHexString()}-01", trace, span);
    }

    /// <summary>Sends one classifier request to <paramref name="server"/> under a fresh client traceparent; asserts a 200.</summary>
    public static async Task<ClientTrace> InferTracedAsync(Uri server, string function)
    {
        var trace = NewTraceParent();
        using var http = new HttpClient { BaseAddress = server };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{function}/infer")
        {
            Content = new StringContent(TestModels.ClassifierJson(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", trace.Header);
        using var response = await http.SendAsync(request);
        Xunit.Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return new ClientTrace(trace.TraceId, trace.ParentId, response.Headers.TryGetValues("Stoke-Cold-Start-Tier", out var tier) ? tier.Single() : null);
    }

    public List<Activity> Of(ActivityTraceId trace) => [.. _spans.Where(s => s.TraceId == trace)];

    /// <summary>Waits (real time: a real server) until the trace has a finished span named <paramref name="name"/>.</summary>
    public async Task<List<Activity>> WaitForAsync(ActivityTraceId trace, string name)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < until)
        {
            var spans = Of(trace);
            if (spans.Exists(s => s.DisplayName.StartsWith(name, StringComparison.Ordinal) || s.OperationName == name))
            {
                return spans;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"No span {name} in trace {trace}; it has: {Describe(Of(trace))}");
    }

    /// <summary>The trace as lines "source name (span &lt;- parent)", for failure messages.</summary>
    public static string Describe(IEnumerable<Activity> spans)
    {
        var text = new StringBuilder();
        foreach (var s in spans.OrderBy(s => s.StartTimeUtc))
        {
            text.Append('\n').Append(s.Source.Name).Append(' ').Append(s.DisplayName).Append(" (").Append(s.SpanId).Append(" <- ").Append(s.ParentSpanId).Append(')');
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>A request sent under a client's trace: its trace id, the client's span id, and its cold start's tier if it had one.</summary>
public sealed record ClientTrace(ActivityTraceId TraceId, ActivitySpanId ParentId, string? ColdStartTier);
