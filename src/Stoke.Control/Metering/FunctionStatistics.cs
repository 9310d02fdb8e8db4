using Stoke.Abstractions.Routing;

namespace Stoke.Control.Metering;

/// <summary>
/// A function's live statistics for status: requests per second from the nodes' arrival counts, latency percentiles
/// and mean batch size from their latency samples, over the last ten seconds.
/// </summary>
public sealed class FunctionStatistics(TimeProvider time)
{
    private static readonly TimeSpan Span = TimeSpan.FromSeconds(10);
    private readonly LatencyWindow _latency = new(time);
    private readonly Queue<(long At, long Arrivals)> _arrivals = new();

    /// <summary>Takes in one tick's reports.</summary>
    public void Add(IEnumerable<NodeLoadReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        long arrivals = 0;
        foreach (var r in reports)
        {
            arrivals += r.Arrivals;
            foreach (var s in r.Latencies)
            {
                _latency.Add(s.Ms, s.BatchSize);
            }
        }

        _arrivals.Enqueue((time.GetTimestamp(), arrivals));
        while (_arrivals.Count > 0 && time.GetElapsedTime(_arrivals.Peek().At) > Span)
        {
            _arrivals.Dequeue();
        }
    }

    public double RequestsPerSecond
    {
        get
        {
            if (_arrivals.Count == 0)
            {
                return 0;
            }

            var window = Math.Max(1.0, Math.Min(Span.TotalSeconds, time.GetElapsedTime(_arrivals.Peek().At).TotalSeconds));
            return _arrivals.Sum(a => a.Arrivals) / window;
        }
    }

    public double P50Ms => _latency.Percentile(0.50);

    public double P99Ms => _latency.Percentile(0.99);

    public double MeanBatchSize => _latency.MeanBatchSize();
}
