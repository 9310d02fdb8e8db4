namespace Stoke.Simulator.Results;

/// <summary>
/// Latencies in logarithmic buckets 2% wide, so percentiles of any number of requests take fixed memory
/// (long traces are streamed; their latencies are never all kept).
/// </summary>
public sealed class LatencyHistogram
{
    private const double MinMs = 0.01;
    private const int Buckets = 1200;
    private static readonly double LogBase = Math.Log(1.02);
    private readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }

    public void Add(double ms)
    {
        var index = ms <= MinMs ? 0 : Math.Min(Buckets - 1, (int)(Math.Log(ms / MinMs) / LogBase) + 1);
        _counts[index]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < Buckets; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The latency (ms, bucket midpoint, within 1%) below which <paramref name="q"/> of requests fall; 0 when empty.</summary>
    public double Percentile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * Count);
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += _counts[i];
            if (seen >= Math.Max(1, rank))
            {
                return i == 0 ? MinMs : MinMs * Math.Pow(1.02, i - 0.5);
            }
        }

        return MinMs * Math.Pow(1.02, Buckets);
    }
}
