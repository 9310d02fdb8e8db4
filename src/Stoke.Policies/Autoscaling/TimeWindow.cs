namespace Stoke.Policies.Autoscaling;

/// <summary>
/// Timestamped samples kept for a bounded span, averaged over any shorter trailing window.
/// Knative averages per-second buckets; with one sample per regular tick the sample mean is the same thing.
/// </summary>
/// <remarks>
/// Every control tick of every function reads two averages, so the samples sit in a ring of (ticks, value) pairs
/// and a read visits only the samples inside its window (they are contiguous while samples arrive in time order, as
/// ticks do), summing them oldest first as a scan of all samples would.
/// </remarks>
internal sealed class TimeWindow(TimeSpan span)
{
    private Sample[] _samples = new Sample[8]; // a power of two, so a position is masked, not divided
    private int _head;
    private int _count;
    private long _newest = long.MinValue;
    private bool _inOrder = true;

    public TimeSpan Span { get; } = span;

    public void Add(DateTimeOffset at, double value)
    {
        var ticks = at.UtcTicks;
        if (_count == _samples.Length)
        {
            Grow();
        }

        _samples[(_head + _count) & (_samples.Length - 1)] = new Sample(ticks, value);
        _count++;
        if (ticks < _newest)
        {
            _inOrder = false;
        }

        _newest = Math.Max(_newest, ticks);

        // Keep samples strictly inside (at - span, at]; older ones can never be averaged again.
        var expired = ticks - Span.Ticks;
        while (_count > 0 && _samples[_head].At <= expired)
        {
            _head = (_head + 1) & (_samples.Length - 1);
            _count--;
        }
    }

    /// <summary>Mean of the samples in (now - window, now]; 0 when there are none.</summary>
    public double Average(DateTimeOffset now, TimeSpan window)
    {
        var (after, upTo) = Bounds(now, window);
        var (first, end) = Range(after, upTo);
        double sum = 0;
        int count = 0;
        for (var i = first; i < end; i++)
        {
            ref readonly var s = ref _samples[(_head + i) & (_samples.Length - 1)];
            if (s.At > after && s.At <= upTo)
            {
                sum += s.Value;
                count++;
            }
        }

        return count == 0 ? 0 : sum / count;
    }

    /// <summary>Largest sample in (now - window, now]; 0 when there are none.</summary>
    public double Max(DateTimeOffset now, TimeSpan window)
    {
        var (after, upTo) = Bounds(now, window);
        var (first, end) = Range(after, upTo);
        double max = 0;
        for (var i = first; i < end; i++)
        {
            ref readonly var s = ref _samples[(_head + i) & (_samples.Length - 1)];
            if (s.At > after && s.At <= upTo && s.Value > max)
            {
                max = s.Value;
            }
        }

        return max;
    }

    private static (long After, long UpTo) Bounds(DateTimeOffset now, TimeSpan window) => (now.UtcTicks - window.Ticks, now.UtcTicks);

    // Positions [first, end) (0 = oldest) that can hold samples in (after, upTo]: all of them if samples came out of order.
    private (int First, int End) Range(long after, long upTo)
    {
        if (!_inOrder)
        {
            return (0, _count);
        }

        var end = _count;
        while (end > 0 && _samples[(_head + end - 1) & (_samples.Length - 1)].At > upTo)
        {
            end--;
        }

        var first = end;
        while (first > 0 && _samples[(_head + first - 1) & (_samples.Length - 1)].At > after)
        {
            first--;
        }

        return (first, end);
    }

    private void Grow()
    {
        var grown = new Sample[_samples.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = _samples[(_head + i) & (_samples.Length - 1)];
        }

        _samples = grown;
        _head = 0;
    }

    private readonly record struct Sample(long At, double Value);
}
