namespace Stoke.Policies.Autoscaling;

internal sealed partial class TimeWindow
{
    /// <summary>
    /// The means <see cref="Average"/> would give over <paramref name="window"/> at <c>from + k * step</c>, for
    /// k = 1, 2, ... in turn, had a zero been added at each of <c>from + step</c>, ..., <c>from + k * step</c>, without
    /// adding them. Valid until the next <see cref="Add"/>.
    /// </summary>
    public ZeroRun ZeroRunFrom(long from, long step, TimeSpan window) => new(this, from, step, window.Ticks);

    /// <summary>
    /// A forecast of a run of zero samples, read one step at a time. Each mean is the same sum over the same count
    /// as a read after adding the zeros, so the very double a tick that added them would see; the window's two edges
    /// only move forward, so a step costs a comparison or two instead of the binary searches of a fresh read, and the
    /// nonzero samples are summed again only when one of them leaves the window.
    /// </summary>
    public struct ZeroRun
    {
        private readonly TimeWindow _owner;
        private readonly long _from;
        private readonly long _step;
        private readonly long _window;
        private int _zeros;
        private int _allFirst = -1;
        private int _nonZeroFirst = -1;
        private int _nonZeroEnd = -1;
        private double _sum;

        internal ZeroRun(TimeWindow owner, long from, long step, long window)
        {
            _owner = owner;
            _from = from;
            _step = step;
            _window = window;
        }

        /// <summary>The mean one more zero on; null when samples came out of order (no forecast is exact then).</summary>
        public double? Next()
        {
            if (!_owner._inOrder)
            {
                return null;
            }

            _zeros++;
            var now = _from + (_zeros * _step);
            var after = now - _window;
            ref readonly var all = ref _owner._all;
            ref readonly var nonZero = ref _owner._nonZero;
            _allFirst = Advance(in all, _allFirst, after);
            var first = Advance(in nonZero, _nonZeroFirst, after);
            var end = nonZero.FirstAfter(now);

            // Zeros at from + i * step for i in 1..zeros; those at or before `after` are outside the window.
            var outside = after < _from ? 0 : Math.Min(_zeros, (after - _from) / _step);
            var count = all.FirstAfter(now) - _allFirst + (_zeros - (int)outside);
            if (count == 0)
            {
                return 0;
            }

            if (first != _nonZeroFirst || end != _nonZeroEnd)
            {
                _nonZeroFirst = first;
                _nonZeroEnd = end;
                _sum = 0;
                for (var i = first; i < end; i++)
                {
                    _sum += nonZero[i].Value;
                }
            }

            return _sum / count;
        }

        // The first position past `after`, moving on from the last one (found by search the first time).
        private static int Advance(in Ring ring, int position, long after)
        {
            if (position < 0)
            {
                return ring.FirstAfter(after);
            }

            while (position < ring.Count && ring[position].At <= after)
            {
                position++;
            }

            return position;
        }
    }
}
