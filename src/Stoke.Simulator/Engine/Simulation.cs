using System.Globalization;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Tensors;
using Stoke.Policies.Control;
using Stoke.Simulator.Results;
using Stoke.Simulator.Time;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Engine;

/// <summary>
/// The discrete-event replay: arrivals stream from the trace, completions, loads and control ticks come from an
/// event heap, and policy timers from the virtual clock; all run in one virtual-time order on one thread.
/// </summary>
internal sealed class Simulation
{
    private const double TicksPerSecond = TimeSpan.TicksPerSecond;
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private readonly SimulationOptions _options;
    private readonly PriorityQueue<SimEvent, (long Due, long Seq)> _events = new();
    private readonly Dictionary<string, SimFunction> _functions = new(StringComparer.Ordinal);
    private readonly List<SimFunction> _functionOrder = [];
    private readonly List<SimNode> _nodes = [];
    private readonly Random _rng;
    private readonly long _instanceBytes;
    private readonly int _slots;
    private readonly long _tickTicks;
    private readonly long _quietTicks;
    private readonly long _deadlineTicks;
    private readonly List<DecisionEvent>? _decisions;
    private VirtualClock _clock = new(DateTimeOffset.UnixEpoch);
    private IPolicyCatalog _catalog = null!;
    private IPlacementPolicy _placement = null!;
    private long _seq;

    public Simulation(SimulationOptions options)
    {
        _options = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Nodes, 1, nameof(options.Nodes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.NodeMemoryGb, 0, nameof(options.NodeMemoryGb));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.InstanceMemoryGb, 0, nameof(options.InstanceMemoryGb));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.TickInterval, TimeSpan.Zero, nameof(options.TickInterval));
        _rng = new Random(options.Seed);
        _instanceBytes = (long)(options.InstanceMemoryGb * (1L << 30));
        _slots = options.InstanceConcurrency > 0 ? options.InstanceConcurrency : Math.Max(1, (int)Math.Ceiling(options.Scaling.TargetConcurrency));
        _tickTicks = options.TickInterval.Ticks;
        _deadlineTicks = options.Scaling.DefaultDeadline.Ticks;
        // Without traffic for this long a function stops ticking even if its autoscaler still wants instances;
        // keep-alive wake-ups still release or pre-warm it.
        _quietTicks = Math.Max(TimeSpan.FromMinutes(10).Ticks, 2 * options.Scaling.StableWindow.Ticks);
        _decisions = options.RecordDecisions ? [] : null;
    }

    private double InstanceGb => _options.InstanceMemoryGb;

    public SimulationReport Run(IProgress<double>? progress)
    {
        using var arrivals = _options.Workload().GetEnumerator();
        var hasArrival = arrivals.MoveNext();
        var start = hasArrival ? arrivals.Current.Arrival : DateTimeOffset.UnixEpoch;
        _clock = new VirtualClock(start);
        _catalog = _options.Catalog(_clock);
        _catalog.Validate(CreateSpec("validate"));
        _placement = _catalog.CreatePlacement(_options.Placement);
        var nodeBytes = (long)(_options.NodeMemoryGb * (1L << 30));
        for (var i = 0; i < _options.Nodes; i++)
        {
            _nodes.Add(new SimNode($"node-{i}", nodeBytes, _catalog.CreateEviction(_options.Eviction)));
        }

        long count = 0;
        while (true)
        {
            var nextArrival = hasArrival ? Math.Max(arrivals.Current.Arrival.UtcTicks, _clock.NowTicks) : long.MaxValue;
            var nextEvent = _events.TryPeek(out _, out var key) ? key.Due : long.MaxValue;
            var nextTimer = _clock.NextTimerDue;
            if (nextArrival == long.MaxValue && nextEvent == long.MaxValue && nextTimer == long.MaxValue)
            {
                break;
            }

            if (nextTimer <= nextEvent && nextTimer <= nextArrival)
            {
                _clock.AdvanceToTicks(nextTimer);
            }
            else if (nextEvent <= nextArrival)
            {
                var e = _events.Dequeue();
                _clock.AdvanceToTicks(nextEvent);
                Handle(e);
            }
            else
            {
                _clock.AdvanceToTicks(nextArrival);
                OnArrival(arrivals.Current);
                hasArrival = arrivals.MoveNext();
                if (++count % 8192 == 0 && progress is not null && _options.ExpectedRequests > 0)
                {
                    progress.Report(Math.Min(1, (double)count / _options.ExpectedRequests));
                }
            }
        }

        progress?.Report(1);
        return BuildReport(start);
    }

    private void Handle(in SimEvent e)
    {
        switch (e.Kind)
        {
            case SimEventKind.LoadDone:
                OnLoadDone(e.Instance!);
                break;
            case SimEventKind.Completion:
                OnCompletion(e);
                break;
            case SimEventKind.Tick:
                OnTick(e.Function);
                break;
            case SimEventKind.Wake:
                if (e.Stamp == e.Function.WakeVersion && !e.Function.Ticking)
                {
                    AfterControl(e.Function, Control(e.Function));
                }

                break;
        }
    }

    private void Schedule(long due, in SimEvent e) => _events.Enqueue(e, (due, _seq++));

    private DateTimeOffset Now => new(_clock.NowTicks, TimeSpan.Zero);

    private void OnArrival(in TraceRequest request)
    {
        var now = _clock.NowTicks;
        var f = GetFunction(request.Function);
        f.NoteLoad(now);
        f.Requests++;
        f.ArrivalsSinceTick++;
        f.LastArrivalTicks = now;
        f.WakeVersion++;
        f.Controller.OnArrival(Now);
        var cold = f.ReadyCount == 0;
        if (cold)
        {
            f.ColdStarts++;
        }

        var exec = Math.Max(0, request.ExecutionTime.Ticks);
        var instance = PickInstance(f);
        if (instance is not null)
        {
            StartRequest(instance, now, exec, now, cold);
        }
        else if (f.Held.Count >= _options.Scaling.MaxQueuedRequests)
        {
            f.Failed++;
        }
        else
        {
            f.Held.Enqueue((now, exec, cold));
        }

        if (_options.ServerControlLoop)
        {
            // FunctionGrain's activator: a held request starts one instance unless one is already loading.
            f.IdleTicks = 0;
            if (f.ReadyCount == 0 && f.Instances.Count == 0)
            {
                StartInstance(f, now);
            }
        }
        else if (f.Instances.Count == 0)
        {
            // The activator: a request at zero instances asks for one now, not at the next tick.
            Control(f);
        }

        if (!f.Ticking)
        {
            f.Ticking = true;
            Schedule(now + _tickTicks, new SimEvent(SimEventKind.Tick, f, null, 0, false));
        }
    }

    private void OnTick(SimFunction f)
    {
        f.Ticking = false;
        AfterControl(f, Control(f));
    }

    // Keeps ticking while the function is busy; otherwise sleeps until its next keep-alive boundary.
    private void AfterControl(SimFunction f, ControlDecision decision)
    {
        var now = _clock.NowTicks;
        if (_options.ServerControlLoop)
        {
            // As FunctionGrain.Tick: the loop runs while the function has instances and stops after three empty ticks.
            f.IdleTicks = f.Instances.Count == 0 && f.Held.Count == 0 && f.Running == 0 ? f.IdleTicks + 1 : 0;
            if (f.IdleTicks < 3)
            {
                f.Ticking = true;
                Schedule(now + _tickTicks, new SimEvent(SimEventKind.Tick, f, null, 0, false));
            }

            return;
        }

        var loading = f.Instances.Count - f.ReadyCount;
        var active = f.Running > 0 || f.Held.Count > 0 || loading > 0
            || (decision.Scale.DesiredInstances > f.Spec.Scaling.MinInstances && now - f.LastArrivalTicks < _quietTicks);
        if (active)
        {
            f.Ticking = true;
            Schedule(now + _tickTicks, new SimEvent(SimEventKind.Tick, f, null, 0, false));
            return;
        }

        var window = decision.KeepAlive;
        var prewarmAt = f.LastArrivalTicks + window.PrewarmAfter.Ticks;
        var expireAt = prewarmAt + window.KeepAlive.Ticks;
        var wake = prewarmAt > now ? prewarmAt : expireAt > now ? expireAt : long.MaxValue;
        if (wake != long.MaxValue && f.LastArrivalTicks > 0)
        {
            f.WakeVersion++;
            Schedule(wake, new SimEvent(SimEventKind.Wake, f, null, f.WakeVersion, false));
        }
    }

    private ControlDecision Control(SimFunction f)
    {
        var now = _clock.NowTicks;
        f.NoteLoad(now);
        ExpireHeld(f, now);
        var elapsed = now - f.LastTickTicks;
        var concurrency = elapsed > 0 && f.LastTickTicks > 0 ? f.LoadIntegral / elapsed : f.Running + f.Held.Count;
        f.LoadIntegral = 0;
        f.LastTickTicks = now;
        var ready = f.ReadyCount;
        var signal = new ScaleSignal(Now, concurrency, f.ArrivalsSinceTick, f.Held.Count, ready, f.Instances.Count - ready, _options.LoadTime.Median);
        f.ArrivalsSinceTick = 0;
        var states = new List<InstanceState>(f.Instances.Count);
        foreach (var i in f.Instances)
        {
            states.Add(new InstanceState(i.Id, i.Ready, i.InFlight, new DateTimeOffset(i.LastUsedTicks, TimeSpan.Zero)));
        }

        var decision = f.Controller.Decide(signal, f.Running, states);
        var last = f.LastDecision;
        if (decision.Target != last?.Target || decision.Start > 0 || decision.Release.Count > 0 || decision.Scale.Panicking != last?.Scale.Panicking)
        {
            Record(f, "scale", "", decision.Target, decision.Reason);
        }

        f.LastDecision = decision;
        foreach (var id in decision.Release)
        {
            var instance = f.Instances.Find(i => string.Equals(i.Id, id, StringComparison.Ordinal));
            if (instance is { Idle: true })
            {
                Remove(instance, now, evicted: false);
                Record(f, "stop", instance.Id, f.Instances.Count, decision.KeepAlive.Reason);
            }
        }

        for (var n = 0; n < decision.Start; n++)
        {
            if (!StartInstance(f, now))
            {
                break;
            }
        }

        return decision;
    }

    private bool StartInstance(SimFunction f, long now)
    {
        var request = new PlacementRequest(f.Name, f.Name, _instanceBytes, NoLabels);
        var views = new List<NodeView>(_nodes.Count);
        foreach (var n in _nodes)
        {
            views.Add(n.ToView(_instanceBytes));
        }

        var nodeId = _placement.ChooseNode(request, views);
        var node = nodeId is null ? null : _nodes.Find(n => string.Equals(n.Id, nodeId, StringComparison.Ordinal));
        if (node is null)
        {
            return false;
        }

        var free = node.CapacityBytes - node.UsedBytes;
        if (free < _instanceBytes)
        {
            // Memory pressure: the node's eviction policy picks idle instances of other functions to release.
            var candidates = new List<EvictionCandidate>();
            foreach (var i in node.Instances)
            {
                if (i.Idle && i.Function != f)
                {
                    candidates.Add(i.ToCandidate(_instanceBytes));
                }
            }

            var victims = node.Eviction.ChooseVictims(candidates, _instanceBytes - free, Now);
            foreach (var id in victims)
            {
                var victim = node.Instances.Find(i => string.Equals(i.Id, id, StringComparison.Ordinal));
                if (victim is { Idle: true })
                {
                    Remove(victim, now, evicted: true);
                    Record(victim.Function, "evict", victim.Id, victim.Function.Instances.Count, "evicted by " + node.Eviction.Name + " for " + f.Name);
                }
            }

            if (node.CapacityBytes - node.UsedBytes < _instanceBytes)
            {
                return false;
            }
        }

        var load = _options.LoadTime.Sample(_rng);
        var instance = new SimInstance(f.Name + "#" + (f.NextInstanceNumber++).ToString(CultureInfo.InvariantCulture), f, node, now, load);
        node.Instances.Add(instance);
        node.UsedBytes += _instanceBytes;
        node.DiskTier.Add(f.Name);
        f.Instances.Add(instance);
        f.InstanceStarts++;
        Record(f, "start", instance.Id, f.Instances.Count, string.Create(CultureInfo.InvariantCulture, $"on {node.Id}, load {load.TotalSeconds:0.###}s"));
        Schedule(now + load.Ticks, new SimEvent(SimEventKind.LoadDone, f, instance, 0, false));
        return true;
    }

    private void Remove(SimInstance instance, long now, bool evicted)
    {
        var f = instance.Function;
        if (instance.Idle)
        {
            f.IdleSeconds += (now - instance.IdleSinceTicks) / TicksPerSecond;
        }

        instance.Gone = true;
        f.InstanceSeconds += (now - instance.CreatedTicks) / TicksPerSecond;
        f.Instances.Remove(instance);
        instance.Node.Instances.Remove(instance);
        instance.Node.UsedBytes -= _instanceBytes;
        instance.Node.Eviction.OnRemoved(instance.Id);
        if (evicted)
        {
            f.Evictions++;
        }
    }

    private void OnLoadDone(SimInstance instance)
    {
        if (instance.Gone)
        {
            return;
        }

        var now = _clock.NowTicks;
        instance.Ready = true;
        instance.IdleSinceTicks = now;
        instance.LastUsedTicks = now;
        instance.Function.NoteLoad(now);
        Record(instance.Function, "ready", instance.Id, instance.Function.Instances.Count, "loaded");
        DrainHeld(instance, now);
    }

    private void Record(SimFunction f, string kind, string instanceId, int target, string detail) =>
        _decisions?.Add(new DecisionEvent(Now, f.Name, kind, instanceId, target, detail));

    private void OnCompletion(in SimEvent e)
    {
        var now = _clock.NowTicks;
        var instance = e.Instance!;
        var f = e.Function;
        f.NoteLoad(now);
        instance.InFlight--;
        f.Running--;
        instance.LastUsedTicks = now;
        var latency = now - e.Stamp;
        f.Latency.Add(latency / (double)TimeSpan.TicksPerMillisecond);
        f.Completed++;
        if (_options.Slo is { } slo && latency <= slo.Ticks)
        {
            f.SloMet++;
        }

        if (instance.InFlight == 0)
        {
            instance.IdleSinceTicks = now;
        }

        DrainHeld(instance, now);
    }

    private void DrainHeld(SimInstance instance, long now)
    {
        var f = instance.Function;
        while (f.Held.Count > 0 && instance.InFlight < _slots)
        {
            var (arrival, exec, cold) = f.Held.Dequeue();
            if (now - arrival > _deadlineTicks)
            {
                f.Failed++;
                continue;
            }

            StartRequest(instance, now, exec, arrival, cold);
        }
    }

    private void ExpireHeld(SimFunction f, long now)
    {
        while (f.Held.Count > 0 && now - f.Held.Peek().ArrivalTicks > _deadlineTicks)
        {
            f.Held.Dequeue();
            f.Failed++;
        }
    }

    // Packs requests onto the busiest instance that still has a free slot, so surplus instances go idle and can
    // be released; ties go to the most recently used.
    private SimInstance? PickInstance(SimFunction f)
    {
        SimInstance? best = null;
        foreach (var i in f.Instances)
        {
            if (!i.Ready || i.InFlight >= _slots)
            {
                continue;
            }

            if (best is null || i.InFlight > best.InFlight || (i.InFlight == best.InFlight && i.LastUsedTicks > best.LastUsedTicks))
            {
                best = i;
            }
        }

        return best;
    }

    private void StartRequest(SimInstance instance, long now, long execTicks, long arrivalTicks, bool cold)
    {
        var f = instance.Function;
        if (instance.InFlight == 0)
        {
            f.IdleSeconds += (now - instance.IdleSinceTicks) / TicksPerSecond;
        }

        instance.InFlight++;
        f.Running++;
        instance.LastUsedTicks = now;
        instance.Uses++;
        instance.Node.Eviction.OnUse(instance.ToCandidate(_instanceBytes), Now);
        Schedule(now + execTicks, new SimEvent(SimEventKind.Completion, f, instance, arrivalTicks, cold));
    }

    private SimFunction GetFunction(string name)
    {
        if (_functions.TryGetValue(name, out var f))
        {
            return f;
        }

        var spec = CreateSpec(name);
        var controller = new InstanceCountController(spec.Scaling, _catalog.CreateAutoscaler(spec), _catalog.CreateKeepAlive(spec));
        f = new SimFunction(name, spec, controller) { LoadChangedTicks = _clock.NowTicks };
        _functions.Add(name, f);
        _functionOrder.Add(f);
        return f;
    }

    private FunctionSpec CreateSpec(string name) => new()
    {
        Tenant = "sim",
        Name = name,
        Version = 1,
        Engine = "sim",
        Artifact = new ArtifactRef(name, _instanceBytes, name),
        Signature = new ModelSignature([], []),
        Scaling = _options.Scaling,
        InstanceMemoryBytes = _instanceBytes,
        Slo = _options.Slo,
        Pricing = _options.Pricing,
        CreatedAt = _clock.GetUtcNow(),
    };

    private SimulationReport BuildReport(DateTimeOffset start)
    {
        var end = _clock.NowTicks;
        var rows = new List<RunResult>(_functionOrder.Count);
        var total = new LatencyHistogram();
        foreach (var f in _functionOrder)
        {
            // Instances still alive at the end (min-instances) are charged up to the last event.
            foreach (var i in f.Instances.ToList())
            {
                Remove(i, end, evicted: false);
            }

            total.Add(f.Latency);
            rows.Add(Result(f.Name, f.Requests, f.Completed, f.Failed, f.ColdStarts, f.Latency, f.SloMet, f.IdleSeconds, f.InstanceSeconds, f.InstanceStarts, f.Evictions));
        }

        var sum = Result(
            "*",
            _functionOrder.Sum(f => f.Requests),
            _functionOrder.Sum(f => f.Completed),
            _functionOrder.Sum(f => f.Failed),
            _functionOrder.Sum(f => f.ColdStarts),
            total,
            _functionOrder.Sum(f => f.SloMet),
            _functionOrder.Sum(f => f.IdleSeconds),
            _functionOrder.Sum(f => f.InstanceSeconds),
            _functionOrder.Sum(f => f.InstanceStarts),
            _functionOrder.Sum(f => f.Evictions));
        var s = _options.Scaling;
        var policies = string.Create(
            CultureInfo.InvariantCulture,
            $"autoscaler={s.Autoscaler} keep-alive={s.KeepAlive} ttl={s.KeepAliveTtl.TotalMinutes:0.##}m placement={_options.Placement} eviction={_options.Eviction} nodes={_options.Nodes}x{_options.NodeMemoryGb:0.#}GB");
        return new SimulationReport(_options.Label, policies, sum, rows, TimeSpan.FromTicks(end - start.UtcTicks), _options.Diagnostics?.SkippedLines ?? 0)
        {
            Decisions = _decisions ?? [],
        };
    }

    private RunResult Result(string name, long requests, long completed, long failed, long cold, LatencyHistogram latency, long sloMet, double idleSeconds, double instanceSeconds, long starts, long evictions)
    {
        var gbSeconds = instanceSeconds * InstanceGb;
        return new RunResult(
            name,
            requests,
            completed,
            failed,
            cold,
            latency.Percentile(0.50),
            latency.Percentile(0.99),
            _options.Slo is null || requests == 0 ? null : (double)sloMet / requests,
            idleSeconds * InstanceGb,
            instanceSeconds,
            gbSeconds,
            (decimal)gbSeconds * _options.Pricing.PerGbSecond,
            starts,
            evictions);
    }
}
