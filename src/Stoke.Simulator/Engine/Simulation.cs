using System.Globalization;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Tensors;
using Stoke.Control.Controller;
using Stoke.Control.Routing;
using Stoke.Simulator.Results;
using Stoke.Simulator.Time;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Engine;

/// <summary>
/// The discrete-event replay: arrivals stream from the trace, completions, loads and control ticks come from an
/// event heap, and policy timers from the virtual clock; all run in one virtual-time order on one thread. Each
/// function is driven by the server's own <see cref="FunctionController{THeld}"/>; a request takes the server's warm
/// path (the shared <see cref="Router"/> over the published ready set) and goes to the controller only when no
/// instance has a free slot. What the server does through Orleans and ONNX Runtime is done here on the virtual clock.
/// </summary>
internal sealed partial class Simulation
{
    private const double TicksPerSecond = TimeSpan.TicksPerSecond;

    private readonly SimulationOptions _options;
    private readonly EventQueue _events;
    private readonly Dictionary<string, SimFunction> _functions = new(StringComparer.Ordinal);
    private readonly List<SimFunction> _functionOrder = [];
    private readonly Random _rng;
    private readonly Random _routingRandom;
    private readonly long _instanceBytes;
    private readonly int _slots;
    private readonly long _tickTicks;
    private readonly long _quietTicks;
    private readonly long _deadlineTicks;
    private readonly List<DecisionEvent>? _decisions;
    private readonly List<RequestRecord>? _requests;

    // Shared by every function's spec (records, immutable): 100,000 functions need not carry 100,000 copies.
    private readonly ScalingOptions _scaling;
    private readonly ModelSignature _signature = new([], []);
    private RouteCandidate[] _candidates = new RouteCandidate[8];
    private VirtualClock _clock = new(DateTimeOffset.UnixEpoch);
    private IPolicyCatalog _catalog = null!;
    private long _arrivalInstant = long.MinValue;
    private long _arrivalSeq;

    public Simulation(SimulationOptions options)
    {
        _options = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Nodes, 1, nameof(options.Nodes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.NodeMemoryGb, 0, nameof(options.NodeMemoryGb));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.InstanceMemoryGb, 0, nameof(options.InstanceMemoryGb));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.TickInterval, TimeSpan.Zero, nameof(options.TickInterval));
        _rng = new Random(options.Seed);
        _routingRandom = new Random(options.Seed + 1);
        _instanceBytes = (long)(options.InstanceMemoryGb * (1L << 30));
        _slots = options.InstanceConcurrency > 0 ? options.InstanceConcurrency : Math.Max(1, (int)Math.Ceiling(options.Scaling.TargetConcurrency));
        _tickTicks = options.TickInterval.Ticks;
        _scaling = options.Scaling with { InstanceConcurrency = _slots };
        _events = new EventQueue(_tickTicks);
        _deadlineTicks = options.Scaling.DefaultDeadline.Ticks;
        // Without traffic for this long a function stops ticking even if its autoscaler still wants instances;
        // keep-alive wake-ups still release or pre-warm it.
        _quietTicks = Math.Max(TimeSpan.FromMinutes(10).Ticks, 2 * options.Scaling.StableWindow.Ticks);
        _decisions = options.RecordDecisions ? [] : null;
        _requests = options.RecordRequests ? [] : null;
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
        _catalog.ValidateNode(_options.Placement, _options.Eviction);
        CreateNodes();

        long count = 0;
        // The next arrival's time, read once per arrival rather than once per event (most events are ticks).
        var arrivalTicks = hasArrival ? arrivals.Current.Arrival.UtcTicks : long.MaxValue;
        while (true)
        {
            var nextArrival = hasArrival ? Math.Max(arrivalTicks, _clock.NowTicks) : long.MaxValue;
            var nextEvent = _events.TryPeek(out var key) ? key.Due : long.MaxValue;
            var nextTimer = _clock.NextTimerDue;
            if (nextArrival == long.MaxValue && nextEvent == long.MaxValue && nextTimer == long.MaxValue)
            {
                break;
            }

            if (nextTimer <= nextEvent && nextTimer <= nextArrival)
            {
                _clock.AdvanceToTicks(nextTimer);
            }
            else if (nextEvent < nextArrival || (nextEvent == nextArrival && !ScheduledByArrivalsAt(nextEvent, key.Seq)))
            {
                var e = _events.Dequeue();
                _clock.AdvanceToTicks(nextEvent);
                Handle(e);
            }
            else
            {
                _clock.AdvanceToTicks(nextArrival);
                if (_arrivalInstant != nextArrival)
                {
                    _arrivalInstant = nextArrival;
                    _arrivalSeq = _events.NextSeq;
                }

                OnArrival(arrivals.Current);
                hasArrival = arrivals.MoveNext();
                arrivalTicks = hasArrival ? arrivals.Current.Arrival.UtcTicks : long.MaxValue;
                if (++count % 8192 == 0 && progress is not null && _options.ExpectedRequests > 0)
                {
                    progress.Report(Math.Min(1, (double)count / _options.ExpectedRequests));
                }
            }
        }

        progress?.Report(1);
        return BuildReport(start);
    }

    // Requests that arrive at one instant arrive together, as a burst does in the server: what their arrival starts
    // (a load, a zero-length request) happens after all of them have arrived.
    private bool ScheduledByArrivalsAt(long instant, long seq) => instant == _arrivalInstant && seq >= _arrivalSeq;

    private void Handle(in SimEvent e)
    {
        switch (e.Kind)
        {
            case SimEventKind.LoadDone:
                OnLoadDone(e.Instance!);
                break;
            case SimEventKind.StartFailed:
                e.Function.Controller.InstanceStartFailed(e.Instance!.Id, "no node has room for it", permanent: false);
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

    // At one instant: control ticks first (they see the load up to that instant), then instances becoming ready, then
    // completions, each kind in the order its instances were started (EventQueue); arrivals after all events. The live
    // parity test drives the server in the same order.
    private void Schedule(long due, in SimEvent e) => _events.Schedule(due, e);

    private DateTimeOffset Now => new(_clock.NowTicks, TimeSpan.Zero);

    private static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);

    // The gateway: meter the arrival, take the warm path when an instance has a free slot, else ask the controller.
    private void OnArrival(in TraceRequest trace)
    {
        var now = _clock.NowTicks;
        var f = GetFunction(trace.Function);
        HandInQuietTicks(f);
        f.Requests++;
        f.LastArrivalTicks = now;
        f.WakeVersion++;
        f.Meter.Arrive();
        if (f.Ready.Count == 0)
        {
            f.ColdStarts++;
        }

        var request = new SimRequest(now, Math.Max(0, trace.ExecutionTime.Ticks));
        var candidates = Candidates(f);
        var routing = new RoutingContext(null, null, _routingRandom);
        var pick = Router.Pick(f.Routing, candidates, _slots, routing);
        if (pick >= 0)
        {
            StartRequest(f.Ready[pick], request);
        }
        else
        {
            var admission = f.Controller.Admit(request, Now + TimeSpan.FromTicks(_deadlineTicks), routing, candidates);
            if (admission.Kind == AdmissionKind.Routed)
            {
                StartRequest(f.Instance(admission.Assignment.InstanceId), request);
            }
            else if (admission.Kind == AdmissionKind.Refused)
            {
                f.Failed++;
                f.Meter.Leave();
            }
        }

        if (!f.Ticking)
        {
            f.Ticking = true;
            _events.ScheduleTick(now, f);
        }
    }

    // The ready set with each instance's exact load (a node knows its own instances exactly).
    private ReadOnlySpan<RouteCandidate> Candidates(SimFunction f)
    {
        if (_candidates.Length < f.Ready.Count)
        {
            _candidates = new RouteCandidate[f.Ready.Count * 2];
        }

        for (var i = 0; i < f.Ready.Count; i++)
        {
            var instance = f.Ready[i];
            _candidates[i] = new RouteCandidate(instance.Id, instance.Node.Id, instance.InFlight);
        }

        return _candidates.AsSpan(0, f.Ready.Count);
    }

    private void OnLoadDone(SimInstance instance)
    {
        if (instance.Gone)
        {
            return;
        }

        var now = _clock.NowTicks;
        instance.BecomeReady();
        instance.IdleSinceTicks = now;
        instance.LastUsedTicks = now;
        instance.Function.Controller.InstanceReady(instance.Id, new ColdStartReport(instance.Tier, 0, instance.LoadTime.TotalMilliseconds, 0));
    }

    internal void Record(SimFunction f, in ControlEvent e) =>
        _decisions?.Add(new DecisionEvent(e.At, f.Name, e.Kind, e.InstanceId ?? "", e.Target, e.Detail));

    private void OnCompletion(in SimEvent e)
    {
        var now = _clock.NowTicks;
        var instance = e.Instance!;
        var f = e.Function;
        instance.End();
        f.Running--;
        f.Meter.Leave();
        instance.LastUsedTicks = now;
        var latency = now - e.Stamp;
        f.Latency.Add(latency / (double)TimeSpan.TicksPerMillisecond);
        f.Completed++;
        _requests?.Add(new RequestRecord(f.Name, At(e.Stamp), instance.Id, At(e.StartedTicks), Now));
        if (_options.Slo is { } slo && latency <= slo.Ticks)
        {
            f.SloMet++;
        }

        if (instance.InFlight == 0)
        {
            instance.IdleSinceTicks = now;
        }

        if (f.Holding)
        {
            // The instance's node tells the controller a slot freed while it holds requests.
            f.Controller.SlotFreed(instance.Id, instance.InFlight);
        }
    }

    internal void StartRequest(SimInstance instance, in SimRequest request)
    {
        var now = _clock.NowTicks;
        var f = instance.Function;
        if (instance.InFlight == 0)
        {
            f.IdleSeconds += (now - instance.IdleSinceTicks) / TicksPerSecond;
        }

        instance.Begin();
        f.Running++;
        instance.LastUsedTicks = now;
        instance.Uses++;
        instance.Node.Eviction.OnUse(instance.ToCandidate(_instanceBytes), Now);
        Schedule(now + request.ExecTicks, new SimEvent(SimEventKind.Completion, f, instance, request.ArrivalTicks, now));
    }

    private SimFunction GetFunction(string name)
    {
        if (_functions.TryGetValue(name, out var f))
        {
            return f;
        }

        var spec = CreateSpec(name);
        f = new SimFunction(this, name, spec, ControllerPolicies.Create(_catalog, spec, _options.Placement), _clock, _decisions is not null);
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
        Signature = _signature,
        Scaling = _scaling,
        Routing = _options.Routing,
        InstanceMemoryBytes = _instanceBytes,
        Slo = _options.Slo,
        Pricing = _options.Pricing,
        CreatedAt = _clock.GetUtcNow(),
    };
}

