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
    private readonly QuietTickLedger _quiet = new();
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
        _events = new EventQueue(_tickTicks, _functionOrder, _quiet);
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
            var nextTimer = _clock.NextTimerDue;
            // Most events of a large replay are ticks a function skips (Simulation.Control): taken in one tight loop.
            _events.SkipQuietTicks(Math.Min(nextArrival, nextTimer));
            var nextEvent = _events.TryPeek(out var key) ? key.Due : long.MaxValue;
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

    private SimFunction GetFunction(string name)
    {
        if (_functions.TryGetValue(name, out var f))
        {
            return f;
        }

        var spec = CreateSpec(name);
        f = new SimFunction(this, _functionOrder.Count, _quiet, name, spec, ControllerPolicies.Create(_catalog, spec, _options.Placement), _clock, _decisions is not null);
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

