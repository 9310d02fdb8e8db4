namespace Stoke.Simulator.Engine;

/// <summary>
/// The replay's scheduled events in due order. At one instant, control ticks and wake-ups come first (they see the
/// load up to that instant), then instances becoming ready, then completions, each kind in the order its instances
/// were started, and events of one kind and instance in the order they were scheduled.
/// </summary>
/// <remarks>
/// Most events of a large replay are periodic control ticks, each due one tick interval after the moment it was
/// scheduled. Virtual time never goes back, so those arrive in due order: they wait in a first-in first-out lane
/// instead of the heap, and the next event is the earlier of the lane's head and the heap's top.
/// </remarks>
internal sealed class EventQueue(long tickInterval, IReadOnlyList<SimFunction> functions, QuietTickLedger quiet)
{
    private const int OrdinalBits = 56;
    private readonly PriorityQueue<SimEvent, EventKey> _heap = new();
    private readonly Queue<LaneTick> _ticks = new();
    private long _seq;
    private long _lastTickDue = long.MinValue;
    private Peeked _peeked; // what the last TryPeek found next, until the queue changes

    /// <summary>Sequence number the next scheduled event will get.</summary>
    public long NextSeq => _seq;

    public int Count => _heap.Count + _ticks.Count;

    /// <summary>Schedules an event due at <paramref name="due"/>.</summary>
    public void Schedule(long due, in SimEvent e)
    {
        _peeked = Peeked.None;
        _heap.Enqueue(e, Key(due, e));
    }

    /// <summary>Schedules the function's next control tick, one interval after <paramref name="now"/>.</summary>
    public void ScheduleTick(long now, SimFunction f) => ScheduleTick(now, f.Index);

    private void ScheduleTick(long now, int function)
    {
        _peeked = Peeked.None;
        var due = now + tickInterval;
        if (due < _lastTickDue)
        {
            // Not while time moves forward; kept so that the lane only ever holds events in order.
            var e = new SimEvent(SimEventKind.Tick, functions[function], null, 0);
            _heap.Enqueue(e, Key(due, e));
            return;
        }

        _lastTickDue = due;
        _ticks.Enqueue(new LaneTick(due, _seq++, function));
    }

    /// <summary>
    /// Takes, in order, the lane's ticks that come before every other event and before <paramref name="before"/> and
    /// that their function skips (<see cref="SimFunction.QuietLeft"/>): each is counted as skipped and scheduled again
    /// one interval later with the next sequence number, as handling it as an event would. Nothing else happens between
    /// them, so the replay need not move its clock or look at its other sources for each one.
    /// </summary>
    public void SkipQuietTicks(long before)
    {
        var heapKey = _heap.TryPeek(out _, out var top) ? top : new EventKey(long.MaxValue, long.MaxValue, long.MaxValue);
        while (_ticks.TryPeek(out var tick) && tick.Due < before && quiet.Left(tick.Function) > 0 && tick.Key.CompareTo(heapKey) < 0)
        {
            _ticks.Dequeue();
            quiet.Left(tick.Function)--;
            quiet.Skipped(tick.Function)++;
            ScheduleTick(tick.Due, tick.Function);
        }

        _peeked = Peeked.None;
    }

    /// <summary>The next event's key, without taking it.</summary>
    public bool TryPeek(out EventKey key)
    {
        var fromHeap = _heap.TryPeek(out _, out var heapKey);
        if (_ticks.TryPeek(out var tick) && (!fromHeap || tick.Key.CompareTo(heapKey) < 0))
        {
            key = tick.Key;
            _peeked = Peeked.Tick;
            return true;
        }

        key = heapKey;
        _peeked = fromHeap ? Peeked.Heap : Peeked.None;
        return fromHeap;
    }

    /// <summary>Takes the next event (the queue must not be empty).</summary>
    public SimEvent Dequeue()
    {
        // Straight after a peek (the replay's loop), the peek already chose between the lane and the heap.
        var from = _peeked;
        _peeked = Peeked.None;
        if (from == Peeked.Tick || (from == Peeked.None && _ticks.TryPeek(out var tick)
            && (!_heap.TryPeek(out _, out var heapKey) || tick.Key.CompareTo(heapKey) < 0)))
        {
            return new SimEvent(SimEventKind.Tick, functions[_ticks.Dequeue().Function], null, 0);
        }

        return _heap.Dequeue();
    }

    private enum Peeked : byte
    {
        None,
        Tick,
        Heap,
    }

    private EventKey Key(long due, in SimEvent e)
    {
        var rank = e.Kind switch
        {
            SimEventKind.Tick or SimEventKind.Wake => 0L,
            SimEventKind.LoadDone or SimEventKind.StartFailed => 1L,
            _ => 2L,
        };
        return new EventKey(due, (rank << OrdinalBits) | (e.Instance?.Ordinal ?? 0), _seq++);
    }
}

/// <summary>
/// A control tick waiting in the lane: ticks rank first at their instant and belong to no instance. The function is
/// its index (<see cref="SimFunction.Index"/>), so the lane holds no references.
/// </summary>
internal readonly record struct LaneTick(long Due, long Seq, int Function)
{
    public EventKey Key => new(Due, 0, Seq);
}

/// <summary>
/// Where an event sits in the replay's order: due time, then kind and instance (packed into one number: kind rank in the
/// top bits, the instance's start ordinal below), then scheduling order.
/// </summary>
internal readonly record struct EventKey(long Due, long Order, long Seq) : IComparable<EventKey>
{
    public int CompareTo(EventKey other) =>
        Due != other.Due ? Due.CompareTo(other.Due)
        : Order != other.Order ? Order.CompareTo(other.Order)
        : Seq.CompareTo(other.Seq);
}
