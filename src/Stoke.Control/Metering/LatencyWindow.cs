namespace Stoke.Control.Metering;

/// <summary>Recent request latencies and batch sizes of a function, for its live p50/p99 and requests per second.</summary>
public sealed class LatencyWindow(TimeProvider time)
{
    private const int Capacity = 4096;
    private static readonly TimeSpan Span = TimeSpan.FromSeconds(10);
    private readonly (long At, double Ms, int Batch)[] _ring = new (long, double, int)[Capacity];
    private int _next;
    private int _count;

    public void Add(double ms, int batchSize)
    {
        _ring[_next] = (time.GetTimestamp(), ms, batchSize);
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    public double Percentile(double p)
    {
        var recent = Recent().Select(e => e.Ms).Order().ToArray();
        return recent.Length == 0 ? 0 : recent[Math.Min(recent.Length - 1, (int)Math.Ceiling(p * recent.Length) - 1)];
    }

    public double RequestsPerSecond()
    {
        var recent = Recent().ToArray();
        if (recent.Length == 0)
        {
            return 0;
        }

        var window = Math.Max(1.0, Math.Min(Span.TotalSeconds, time.GetElapsedTime(recent.Min(e => e.At)).TotalSeconds));
        return recent.Length / window;
    }

    public double MeanBatchSize()
    {
        var recent = Recent().ToArray();
        return recent.Length == 0 ? 0 : recent.Average(e => e.Batch);
    }

    private IEnumerable<(long At, double Ms, int Batch)> Recent()
    {
        for (var i = 0; i < _count; i++)
        {
            var e = _ring[(_next - 1 - i + Capacity) % Capacity];
            if (time.GetElapsedTime(e.At) > Span)
            {
                yield break;
            }

            yield return e;
        }
    }
}
