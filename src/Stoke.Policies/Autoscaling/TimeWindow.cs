namespace Stoke.Policies.Autoscaling;

/// <summary>
/// Timestamped samples kept for a bounded span, averaged over any shorter trailing window.
/// Knative averages per-second buckets; with one sample per regular tick the sample mean is the same thing.
/// </summary>
/// <remarks>
/// Every control tick of every function reads two averages, and most samples of a mostly idle function are zero. So
/// the samples' times sit in one ring and the nonzero samples, again, in a second: a read counts the window's samples
/// by binary search over the first (times ascend while samples arrive in time order, as ticks do) and sums only the
/// second, oldest first. Adding a zero to a sum changes no bit of it, so the mean is the one a scan of every sample
/// gives; out of order, a read scans every sample.
/// </remarks>
internal sealed class TimeWindow(TimeSpan span)
{
    private Ring _all = new(8);
    private Ring _nonZero = new(4);
    private long _newest = long.MinValue;
    private bool _inOrder = true;

    public TimeSpan Span { get; } = span;

    public void Add(DateTimeOffset at, double value)
    {
        var ticks = at.UtcTicks;
        _all.Push(new Sample(ticks, value));
        if (value != 0)
        {
            _nonZero.Push(new Sample(ticks, value));
        }

        if (ticks < _newest)
        {
            _inOrder = false;
        }

        _newest = Math.Max(_newest, ticks);

        // Keep samples strictly inside (at - span, at]; older ones can never be averaged again.
        var expired = ticks - Span.Ticks;
        _all.DropOldestUpTo(expired);
        _nonZero.DropOldestUpTo(expired);
    }

    /// <summary>Mean of the samples in (now - window, now]; 0 when there are none.</summary>
    public double Average(DateTimeOffset now, TimeSpan window)
    {
        var (after, upTo) = Bounds(now, window);
        if (!_inOrder)
        {
            var total = Scan(ref _all, after, upTo, max: false, out var n);
            return n == 0 ? 0 : total / n;
        }

        return InOrderMean(after, upTo, _all.CountIn(after, upTo));
    }

    /// <summary>
    /// The mean <see cref="Average"/> would give at <c>from + zeros * step</c> had a zero been added at each of
    /// <c>from + step</c>, ..., <c>from + zeros * step</c>, without adding them; null when samples came out of order.
    /// The same sum over the same count, so the very double a tick that added them would read.
    /// </summary>
    public double? AverageWithZeros(long from, long step, int zeros, TimeSpan window)
    {
        if (!_inOrder)
        {
            return null;
        }

        var now = from + (zeros * step);
        var after = now - window.Ticks;
        // Zeros at from + i * step for i in 1..zeros; those at or before `after` are outside the window.
        var outside = after < from ? 0 : Math.Min(zeros, (after - from) / step);
        return InOrderMean(after, now, _all.CountIn(after, now) + (zeros - (int)outside));
    }

    /// <summary>
    /// True when the samples came in time order, none is negative, and no two are closer than
    /// <paramref name="step"/>, as ticks every <paramref name="step"/> are. Then, over a run of zeros added every step,
    /// at most one sample leaves a window per step while one enters, so <see cref="AverageWithZeros"/> can only fall
    /// as the run goes on: a sum of fewer nonnegative terms (floating-point addition is monotone), over as many
    /// samples or more.
    /// </summary>
    public bool SpacedAtLeast(long step)
    {
        if (!_inOrder)
        {
            return false;
        }

        for (var i = 0; i < _all.Count; i++)
        {
            if (_all[i].Value < 0 || (i > 0 && _all[i].At - _all[i - 1].At < step))
            {
                return false;
            }
        }

        return true;
    }

    // The nonzero samples in (after, upTo], summed oldest first, over `count` samples in all (0 when there are none).
    private double InOrderMean(long after, long upTo, int count)
    {
        if (count == 0)
        {
            return 0;
        }

        var (first, end) = _nonZero.RangeIn(after, upTo);
        double sum = 0;
        for (var i = first; i < end; i++)
        {
            sum += _nonZero[i].Value;
        }

        return sum / count;
    }

    /// <summary>Adds a zero at each of <c>from + step</c>, ..., <c>from + zeros * step</c>.</summary>
    public void AddZeros(long from, long step, int zeros)
    {
        var first = 1;
        if (_inOrder && zeros > 0 && step > 0 && from + step >= _newest)
        {
            // In order, adding them one by one ends with every sample (old or zero) at or before the last zero's time
            // minus the span dropped; zeros never enter the nonzero ring. Drop those at once and add only the zeros
            // that stay: the same samples as adding all of them.
            var expired = from + (zeros * step) - Span.Ticks;
            _all.DropOldestUpTo(expired);
            _nonZero.DropOldestUpTo(expired);
            if (expired >= from + step)
            {
                first = (int)Math.Min(zeros + 1L, ((expired - from) / step) + 1);
            }
        }

        for (var i = first; i <= zeros; i++)
        {
            Add(new DateTimeOffset(from + (i * step), TimeSpan.Zero), 0);
        }

        if (zeros > 0)
        {
            _newest = Math.Max(_newest, from + (zeros * step));
        }
    }

    /// <summary>Largest sample in (now - window, now]; 0 when there are none.</summary>
    public double Max(DateTimeOffset now, TimeSpan window)
    {
        var (after, upTo) = Bounds(now, window);
        // Zeros never exceed the starting 0, so the nonzero samples alone give the same maximum.
        return _inOrder ? Scan(ref _nonZero, after, upTo, max: true, out _) : Scan(ref _all, after, upTo, max: true, out _);
    }

    private static (long After, long UpTo) Bounds(DateTimeOffset now, TimeSpan window) => (now.UtcTicks - window.Ticks, now.UtcTicks);

    // Every sample of the ring in (after, upTo], oldest first: their sum and count, or their maximum (at least 0).
    private static double Scan(ref Ring ring, long after, long upTo, bool max, out int count)
    {
        double result = 0;
        count = 0;
        for (var i = 0; i < ring.Count; i++)
        {
            var s = ring[i];
            if (s.At > after && s.At <= upTo)
            {
                count++;
                result = !max ? result + s.Value : s.Value > result ? s.Value : result;
            }
        }

        return result;
    }

    private readonly record struct Sample(long At, double Value);

    // A growable ring of samples, oldest at position 0.
    private struct Ring(int capacity)
    {
        private Sample[] _items = new Sample[capacity]; // a power of two, so a position is masked, not divided
        private int _head;

        public int Count { get; private set; }

        public readonly Sample this[int i] => _items[(_head + i) & (_items.Length - 1)];

        public void Push(Sample s)
        {
            if (Count == _items.Length)
            {
                var grown = new Sample[_items.Length * 2];
                for (var i = 0; i < Count; i++)
                {
                    grown[i] = this[i];
                }

                _items = grown;
                _head = 0;
            }

            _items[(_head + Count) & (_items.Length - 1)] = s;
            Count++;
        }

        public void DropOldestUpTo(long ticks)
        {
            while (Count > 0 && _items[_head].At <= ticks)
            {
                _head = (_head + 1) & (_items.Length - 1);
                Count--;
            }
        }

        // Samples in time order only: how many lie in (after, upTo].
        public readonly int CountIn(long after, long upTo)
        {
            var (first, end) = RangeIn(after, upTo);
            return end - first;
        }

        // Samples in time order only: the positions [first, end) of those in (after, upTo].
        public readonly (int First, int End) RangeIn(long after, long upTo) => (FirstAfter(after), FirstAfter(upTo));

        // The first position whose time is past `ticks` (Count when none is).
        private readonly int FirstAfter(long ticks)
        {
            // The newest sample is usually at or before `upTo`, and the window's start near the oldest: check the ends first.
            if (Count == 0 || this[Count - 1].At <= ticks)
            {
                return Count;
            }

            int lo = 0, hi = Count - 1;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (this[mid].At > ticks)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            return lo;
        }
    }
}
