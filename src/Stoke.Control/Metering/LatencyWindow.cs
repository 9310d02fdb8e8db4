namespace Stoke.Control.Metering;

/// <summary>
/// Recent request latencies and batch sizes of a function, for its live p50/p99 and requests per second. The ring
/// grows with the samples up to <see cref="Capacity"/>: a function that serves nothing holds none (every function
/// controller has one, and a node may have thousands of idle ones).
/// </summary>
public sealed class LatencyWindow(TimeProvider time)
{
    /// <summary>The most samples kept.</summary>
    public const int Capacity = 4096;
    private const int FirstSize = 16;
    private static readonly TimeSpan Span = TimeSpan.FromSeconds(10);
    private (long At, double Ms, int Batch)[] _ring = [];
    private int _next;
    private int _count;

    /// <summary>Samples the ring has room for now (0 until the first).</summary>
    public int Allocated => _ring.Length;

    public void Add(double ms, int batchSize)
    {
        if (_count == _ring.Length && _ring.Length < Capacity)
        {
            Grow();
        }

        _ring[_next] = (time.GetTimestamp(), ms, batchSize);
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
    }

    // A full ring doubles, its samples copied oldest first.
    private void Grow()
    {
        var grown = new (long, double, int)[Math.Min(Capacity, Math.Max(FirstSize, _ring.Length * 2))];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = _ring[(_next + i) % _ring.Length];
        }

        _ring = grown;
        _next = _count;
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
            var e = _ring[(_next - 1 - i + _ring.Length) % _ring.Length];
            if (time.GetElapsedTime(e.At) > Span)
            {
                yield break;
            }

            yield return e;
        }
    }
}
