namespace Stoke.Policies.KeepAlive;

/// <summary>
/// Counts of a function's idle times (gaps between arrivals) in fixed-width bins over a bounded range, as in
/// Shahrad et al.'s hybrid histogram; idle times past the range are counted apart as out of bounds.
/// </summary>
internal sealed class IdleTimeHistogram
{
    private readonly long[] _bins;

    public IdleTimeHistogram(TimeSpan binWidth, TimeSpan range)
    {
        BinWidth = binWidth;
        _bins = new long[Math.Max(1, (int)Math.Ceiling(range / binWidth))];
    }

    public TimeSpan BinWidth { get; }

    /// <summary>Idle times inside the range.</summary>
    public long Count { get; private set; }

    /// <summary>Idle times longer than the range.</summary>
    public long OutOfBounds { get; private set; }

    public void Add(TimeSpan idle) => Update(idle, +1);

    /// <summary>Adds <paramref name="count"/> idle times shorter than one bin (arrivals within one control interval).</summary>
    public void AddShortGaps(long count)
    {
        if (count > 0)
        {
            _bins[0] += count;
            Count += count;
        }
    }

    /// <summary>Takes back an idle time added before (the short-term histogram slides this way).</summary>
    public void Remove(TimeSpan idle) => Update(idle, -1);

    /// <summary>Coefficient of variation of the bin counts: high when idle times cluster in a few bins.</summary>
    public double CoefficientOfVariation()
    {
        if (Count == 0)
        {
            return 0;
        }

        double mean = (double)Count / _bins.Length;
        double sumSquares = 0;
        foreach (long count in _bins)
        {
            sumSquares += (count - mean) * (count - mean);
        }

        return Math.Sqrt(sumSquares / _bins.Length) / mean;
    }

    /// <summary>Index of the bin holding the <paramref name="percentile"/>th percentile of in-range idle times.</summary>
    public int PercentileBin(double percentile)
    {
        // The smallest bin whose cumulative count reaches the percentile's share (at least one sample).
        double needed = Math.Max(1, Math.Ceiling(Count * percentile / 100.0));
        long cumulative = 0;
        for (int i = 0; i < _bins.Length; i++)
        {
            cumulative += _bins[i];
            if (cumulative >= needed)
            {
                return i;
            }
        }

        return _bins.Length - 1;
    }

    /// <summary>
    /// The bin whose upper edge T maximises <paramref name="coldStartCost"/> x P(idle <= T) - E[min(idle, T)] over all
    /// idle times, out-of-bounds ones included (each in-bin idle time counted at the bin's middle); -1 when keeping
    /// an instance at all costs more than the cold starts it saves.
    /// </summary>
    public int BreakEvenBin(TimeSpan coldStartCost)
    {
        long total = Count + OutOfBounds;
        if (total <= 0)
        {
            return -1;
        }

        double width = BinWidth.Ticks;
        double cost = coldStartCost.Ticks;
        double best = 0;
        int bestBin = -1;
        long within = 0;
        double idleWithin = 0;
        for (int i = 0; i < _bins.Length; i++)
        {
            within += _bins[i];
            idleWithin += _bins[i] * (i + 0.5) * width;
            double edge = (i + 1) * width;
            // Per gap: cold starts saved (weighted by their cost) minus idle time held, for keep-alive = edge.
            double value = ((cost * within) - idleWithin - ((total - within) * edge)) / total;
            if (value > best)
            {
                best = value;
                bestBin = i;
            }
        }

        return bestBin;
    }

    private void Update(TimeSpan idle, int delta)
    {
        int bin = (int)Math.Floor(Math.Max(0, idle.Ticks) / (double)BinWidth.Ticks);
        if (bin >= _bins.Length)
        {
            OutOfBounds += delta;
            return;
        }

        _bins[bin] += delta;
        Count += delta;
    }
}
