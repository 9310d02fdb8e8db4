namespace Stoke.Simulator.Time;

/// <summary>
/// A <see cref="TimeProvider"/> whose time only moves when the simulator advances it, so policy objects that
/// read time or arm timers see the replay's virtual time. Timers fire in due order, ties in creation order.
/// </summary>
public sealed class VirtualClock : TimeProvider
{
    private readonly PriorityQueue<VirtualTimer, (long Due, long Seq)> _timers = new();
    private long _nowTicks;
    private long _seq;

    public VirtualClock(DateTimeOffset start) => _nowTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(_nowTicks, TimeSpan.Zero);

    /// <summary>Current virtual time in <see cref="TimeSpan"/> ticks since 0001-01-01 UTC.</summary>
    public long NowTicks => _nowTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _nowTicks;

    /// <summary>Due time (ticks) of the earliest armed timer, or <see cref="long.MaxValue"/> when none.</summary>
    public long NextTimerDue
    {
        get
        {
            // Disposed or re-armed timers leave stale entries; drop them so the answer is exact.
            while (_timers.TryPeek(out var t, out var key))
            {
                if (t.IsArmedFor(key.Seq))
                {
                    return key.Due;
                }

                _timers.Dequeue();
            }

            return long.MaxValue;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward to <paramref name="target"/>, firing every timer due on the way, in order.</summary>
    public void AdvanceTo(DateTimeOffset target) => AdvanceToTicks(target.UtcTicks);

    /// <summary>Moves time forward by <paramref name="delta"/>, firing timers due on the way.</summary>
    public void Advance(TimeSpan delta) => AdvanceToTicks(_nowTicks + delta.Ticks);

    internal void AdvanceToTicks(long target)
    {
        if (target < _nowTicks)
        {
            throw new ArgumentOutOfRangeException(nameof(target), "Virtual time cannot go backwards.");
        }

        while (_timers.TryPeek(out var timer, out var key) && key.Due <= target)
        {
            _timers.Dequeue();
            if (!timer.IsArmedFor(key.Seq))
            {
                continue;
            }

            _nowTicks = key.Due;
            timer.Fire();
        }

        _nowTicks = target;
    }

    internal long Schedule(VirtualTimer timer, long due)
    {
        var seq = _seq++;
        _timers.Enqueue(timer, (due, seq));
        return seq;
    }

    /// <summary>A timer on the virtual clock; re-arming or disposing it invalidates its queued entry.</summary>
    internal sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _due = -1;
        private long _period;
        private long _armedSeq = -1;

        public bool IsArmedFor(long seq) => _armedSeq == seq;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_due == -2)
            {
                return false;
            }

            _period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                _armedSeq = -1;
                return true;
            }

            _due = clock._nowTicks + Math.Max(0, dueTime.Ticks);
            _armedSeq = clock.Schedule(this, _due);
            return true;
        }

        public void Fire()
        {
            if (_period > 0)
            {
                _due += _period;
                _armedSeq = clock.Schedule(this, _due);
            }
            else
            {
                _armedSeq = -1;
            }

            callback(state);
        }

        public void Dispose()
        {
            _due = -2;
            _armedSeq = -1;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
