using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Policies.Control;

namespace Stoke.Control.Controller;

// The control loop: one tick turns the reported load into the autoscaler's signal and acts on the decision.
public sealed partial class FunctionController<THeld>
{
    private readonly List<InstanceState> _states = [];

    /// <summary>
    /// One control tick: expires held requests, takes in the load the nodes saw, asks the autoscaler and keep-alive
    /// policy for the target, and starts and releases instances to reach it.
    /// </summary>
    public TickOutcome Tick(in LoadSample load)
    {
        var now = _time.GetUtcNow();
        // Most ticks of a large replay find nothing held and nothing draining: skip those walks.
        if (_held.Count > 0 && _held.TakeExpired(now) is { } expired)
        {
            foreach (var held in expired)
            {
                _port.Refuse(held.Request, DeadlineExpired());
            }

            UpdateHolding();
        }

        Observe(load);
        if (_draining.Count > 0)
        {
            ForgetOldDraining(now);
        }

        if (_held.Count > 0 || _publishedHolding)
        {
            DispatchHeld();
        }

        if (load.Arrivals > 0 && load.FirstArrival is { } firstArrival && load.LastArrival is { } lastArrival)
        {
            _count.OnArrivals(firstArrival, lastArrival, load.Arrivals);
            if (lastArrival > _evictedAt)
            {
                _evictedAt = null;
            }
        }

        var ready = 0;
        var inFlight = 0;
        _states.Clear();
        foreach (var i in _instances)
        {
            var isReady = i.Phase == InstancePhase.Ready;
            ready += isReady ? 1 : 0;
            inFlight += i.InFlight;
            _states.Add(new InstanceState(i.Id, isReady, i.InFlight, i.LastUsed));
        }

        var signal = new ScaleSignal(now, load.Concurrency, load.Arrivals, _held.Count, ready, _instances.Count - ready, LoadTime, Explain: _options.Decisions is not null);
        var decision = _count.Decide(signal, Math.Max(inFlight, load.InFlight), _states);
        var previous = _lastDecision;
        _lastDecision = decision;
        if (_shadow is not null)
        {
            TickShadow(_shadow, signal, ready, Math.Max(inFlight, load.InFlight), load);
        }

        // After an eviction the decision may want an instance back; none starts until a request arrives (said once).
        var withheld = _evictedAt is not null && decision.Start > 0;
        var start = withheld ? 0 : decision.Start;
        if (_options.Decisions is not null
            && (decision.Target != previous?.Target || start > 0 || decision.Release.Count > 0 || decision.Scale.Panicking != previous?.Scale.Panicking
                || (withheld && !_withholding)))
        {
            Record("scale", null, withheld ? decision.Reason + "; evicted: no restart before the next request" : decision.Reason);
        }

        _withholding = withheld;

        foreach (var id in decision.Release)
        {
            if (Find(id) is { Phase: InstancePhase.Ready, InFlight: 0 } idle)
            {
                Drain(idle, "released: " + decision.KeepAlive.Reason);
            }
        }

        if (start > 0 && !_retired)
        {
            var nodes = _port.Nodes().ToList();
            var reason = "autoscaler: " + decision.Scale.Reason;
            for (var n = 0; n < start && TryStart(reason, nodes); n++)
            {
            }
        }

        // A function with nothing running stops its loop, so thousands of idle functions cost nothing; if its
        // keep-alive policy wants an instance pre-warmed later, the host wakes the loop then.
        var idleNow = _instances.Count == 0 && _held.Count == 0 && load.InFlight == 0;
        _idleTicks = idleNow ? _idleTicks + 1 : 0;
        var keepTicking = _idleTicks < _options.IdleTicksBeforeStop;
        DateTimeOffset? wakeAt = null;
        if (!keepTicking && !_retired && _count.LastArrival is { } lastSeen && lastSeen + decision.KeepAlive.PrewarmAfter > now)
        {
            wakeAt = lastSeen + decision.KeepAlive.PrewarmAfter;
        }

        return new TickOutcome(decision, keepTicking, wakeAt);
    }

    /// <summary>
    /// How many of the next ticks (at most <paramref name="max"/>, every <paramref name="interval"/> after the tick
    /// just made) a host may skip while nothing arrives, nothing is held and every instance stays ready and idle,
    /// because each would decide what the last tick did; it hands them in with <see cref="SkipQuietTicks"/> before the
    /// next tick or call, and the controller is then as if it had ticked them. 0 when a decision log is attached
    /// (it would record them) or the policies cannot forecast such a run.
    /// </summary>
    public int QuietTicks(TimeSpan interval, int max)
    {
        if (max <= 0 || _held.Count > 0 || _publishedHolding || _draining.Count > 0 || _retired || _options.Decisions is not null
            || _instances.Count == 0 || _lastDecision is null)
        {
            return 0;
        }

        foreach (var i in _instances)
        {
            if (i.Phase != InstancePhase.Ready || i.InFlight != 0)
            {
                return 0;
            }
        }

        return _count.QuietTicks(_time.GetUtcNow(), interval, max, _instances.Count);
    }

    /// <summary>Hands in <paramref name="ticks"/> quiet ticks skipped after the tick at <paramref name="from"/>.</summary>
    public void SkipQuietTicks(DateTimeOffset from, TimeSpan interval, int ticks) => _count.SkipQuietTicks(from, interval, ticks);

    // Nodes know their own instances exactly: take their counts, notice readiness the controller missed (an adopted
    // instance that was loading), and forget ready instances their node no longer has.
    private void Observe(in LoadSample load)
    {
        var instances = load.Instances;
        for (var n = 0; n < instances.Count; n++)
        {
            var l = instances[n];
            if (Find(l.InstanceId) is not { } instance)
            {
                continue;
            }

            instance.InFlight = l.InFlight;
            instance.QueueDepth = l.QueueDepth;
            instance.Uses = l.Uses;
            if (l.LastUsed > instance.LastUsed)
            {
                instance.LastUsed = l.LastUsed;
            }

            if (l.Ready && instance.Phase == InstancePhase.Loading && instance.ColdStart is null)
            {
                instance.Phase = InstancePhase.Ready;
                Publish();
            }
        }

        if (load.ReportingNodes is { } reporting)
        {
            ForgetUnreported(reporting, load.Instances);
        }
    }

    // Its own method: the lambdas capture `reporting`, and a closure in Observe would be allocated on every tick.
    private void ForgetUnreported(IReadOnlyCollection<string> reporting, IReadOnlyList<InstanceLoad> reported)
    {
        foreach (var instance in _instances.Where(i => i.Phase == InstancePhase.Ready && reporting.Contains(i.NodeId)).ToList())
        {
            if (!reported.Any(l => string.Equals(l.InstanceId, instance.Id, StringComparison.Ordinal)))
            {
                InstanceLost(instance.Id, $"its node {instance.NodeId} no longer runs it");
            }
        }
    }

    // The shadow decides on the same signal with its own fleet; a change of its target goes in the decision log.
    private void TickShadow(ShadowScaling shadow, in ScaleSignal signal, int ready, int inFlight, LoadSample load)
    {
        var before = shadow.LastDecision?.Target;
        shadow.Tick(signal, _instances.Count, ready, inFlight, load);
        if (_options.Decisions is not null && shadow.LastDecision is { } decision && decision.Target != before)
        {
            Record("shadow", null, $"{shadow.Autoscaler}/{shadow.KeepAlive} would run {decision.Target}: {decision.Reason}");
        }
    }
}

/// <summary>
/// One tick's decision, whether the host should keep ticking, and, when it may stop, when it must tick again all the
/// same (the keep-alive policy's pre-warm moment).
/// </summary>
public readonly record struct TickOutcome(ControlDecision Decision, bool KeepTicking, DateTimeOffset? WakeAt = null);
