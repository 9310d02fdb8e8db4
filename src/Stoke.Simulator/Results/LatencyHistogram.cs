namespace Stoke.Simulator.Results;

/// <summary>
/// Latencies in logarithmic buckets 2% wide, so percentiles of any number of requests take fixed memory
/// (long traces are streamed; their latencies are never all kept).
/// </summary>
/// <remarks>
/// Only the buckets between the lowest and highest used one are stored: a replay keeps one histogram per function,
/// and most of 100,000 functions see a few requests whose latencies span a handful of the 1,200 buckets.
/// </remarks>
public sealed class LatencyHistogram
{
    private const double MinMs = 0.01;
    private const int Buckets = 1200;
    private static readonly double LogBase = Math.Log(1.02);
    private long[] _counts = [];
    private int _first;

    public long Count { get; private set; }

    public void Add(double ms)
    {
        var index = ms <= MinMs ? 0 : Math.Min(Buckets - 1, (int)(Math.Log(ms / MinMs) / LogBase) + 1);
        Cover(index, index);
        _counts[index - _first]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._counts.Length == 0)
        {
            return;
        }

        Cover(other._first, other._first + other._counts.Length - 1);
        for (var i = 0; i < other._counts.Length; i++)
        {
            _counts[other._first + i - _first] += other._counts[i];
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
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= Math.Max(1, rank))
            {
                var bucket = _first + i;
                return bucket == 0 ? MinMs : MinMs * Math.Pow(1.02, bucket - 0.5);
            }
        }

        return MinMs * Math.Pow(1.02, Buckets);
    }

    // Grows the stored range to hold buckets first..last, with some room beyond so that a spread settles quickly.
    private void Cover(int first, int last)
    {
        if (_counts.Length > 0 && first >= _first && last < _first + _counts.Length)
        {
            return;
        }

        var from = _counts.Length == 0 ? first : Math.Min(first, _first);
        var to = _counts.Length == 0 ? last : Math.Max(last, _first + _counts.Length - 1);
        var slack = Math.Max(4, (to - from + 1) / 2);
        from = Math.Max(0, from - slack);
        to = Math.Min(Buckets - 1, to + slack);
        var counts = new long[to - from + 1];
        if (_counts.Length > 0)
        {
            Array.Copy(_counts, 0, counts, _first - from, _counts.Length);
        }

        _counts = counts;
        _first = from;
    }
}
