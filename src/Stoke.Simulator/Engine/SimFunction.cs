using System.Globalization;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Control.Controller;
using Stoke.Control.Metering;
using Stoke.Simulator.Results;

namespace Stoke.Simulator.Engine;

/// <summary>
/// A function in the replay: the server's <see cref="FunctionController{THeld}"/> driving it, this function's side of
/// the controller's port (what the grain does in the server, done on the virtual clock), the gateway's load meter
/// and routing table, and the counters of the report.
/// </summary>
internal sealed class SimFunction : IControllerPort<SimRequest>, IInProcessRoutes, IDecisionSink
{
    private readonly Simulation _simulation;
    private readonly Dictionary<string, SimInstance> _byId = new(StringComparer.Ordinal);
    private readonly List<InstanceLoad> _loads = [];
    private int _nextInstance;

    private readonly QuietTickLedger _quiet;

    public SimFunction(Simulation simulation, int index, QuietTickLedger quiet, string name, FunctionSpec spec, ControllerPolicies policies, TimeProvider clock, bool recordDecisions)
    {
        _simulation = simulation;
        Index = index;
        _quiet = quiet;
        quiet.Add(index);
        Name = name;
        Spec = spec;
        Key = spec.Key;
        Routing = policies.Routing;
        Meter = new LoadMeter(clock);
        Controller = new FunctionController<SimRequest>(spec, policies, this, clock, new ControllerOptions { Decisions = recordDecisions ? this : null });
    }

    public string Name { get; }

    /// <summary>The function's place in the replay's order of first arrival (dense, from 0).</summary>
    public int Index { get; }

    public FunctionSpec Spec { get; }

    /// <summary>The spec's key, built once (the spec builds it on each read).</summary>
    public string Key { get; }

    public IRoutingPolicy Routing { get; }

    public FunctionController<SimRequest> Controller { get; }

    /// <summary>What the gateway measures: arrivals and requests in flight from arrival to answer.</summary>
    public LoadMeter Meter { get; }

    public List<SimInstance> Instances { get; } = [];

    /// <summary>The gateway's routing table: the ready instances the controller published, in its order.</summary>
    public List<SimInstance> Ready { get; } = [];

    /// <summary>The controller holds requests: a freed slot is reported to it.</summary>
    public bool Holding { get; private set; }

    public int Running { get; set; }

    public long LastArrivalTicks { get; set; }

    public bool Ticking { get; set; }

    /// <summary>Bumped by every arrival and tick so stale keep-alive wake-ups are ignored.</summary>
    public long WakeVersion { get; set; }

    /// <summary>The previous tick's decision (the event-driven loop sleeps by its keep-alive window).</summary>
    public Stoke.Policies.Control.ControlDecision? LastDecision { get; set; }

    // Counters for the report.
    public LatencyHistogram Latency { get; } = new();

    public long Requests { get; set; }

    public long Completed { get; set; }

    public long Failed { get; set; }

    public long ColdStarts { get; set; }

    public long SloMet { get; set; }

    public double InstanceSeconds { get; set; }

    public double IdleSeconds { get; set; }

    public long InstanceStarts { get; set; }

    public long Evictions { get; set; }

    public SimInstance Instance(string id) => _byId[id];

    public void Forget(SimInstance instance)
    {
        Instances.Remove(instance);
        Ready.Remove(instance);
        _byId.Remove(instance.Id);
    }

    // The controller's port, on the virtual clock.
    IReadOnlyList<NodeView> IControllerPort<SimRequest>.Nodes() => _simulation.NodeViews(this);

    bool IControllerPort<SimRequest>.IsReachable(string nodeId) => true;

    string IControllerPort<SimRequest>.NewInstanceId() => Name + "#" + (_nextInstance++).ToString(CultureInfo.InvariantCulture);

    void IControllerPort<SimRequest>.StartInstance(string instanceId, string nodeId)
    {
        var instance = _simulation.Place(this, instanceId, nodeId);
        if (instance is not null)
        {
            Instances.Add(instance);
            _byId.Add(instanceId, instance);
            LoadsChanged = true;
            InstanceStarts++;
        }
    }

    void IControllerPort<SimRequest>.StopInstance(string instanceId, string nodeId, string reason)
    {
        if (_byId.TryGetValue(instanceId, out var instance))
        {
            _simulation.Remove(instance, evicted: false);
        }
    }

    void IControllerPort<SimRequest>.Dispatch(SimRequest request, in Assignment assignment) =>
        _simulation.StartRequest(_byId[assignment.InstanceId], request);

    void IControllerPort<SimRequest>.Refuse(SimRequest request, StokeException error)
    {
        Failed++;
        Meter.Leave();
    }

    void IControllerPort<SimRequest>.PublishRoutes(RouteTable routes) =>
        throw new InvalidOperationException("The replay reads the controller's ready set (IInProcessRoutes).");

    // The gateway's table: the controller's ready instances in its order, as a published RouteTable lists them.
    void IInProcessRoutes.RoutesChanged(bool holding)
    {
        Holding = holding;
        Ready.Clear();
        var instances = Controller.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            if (instances[i].Phase == InstancePhase.Ready)
            {
                Ready.Add(_byId[instances[i].Id]);
            }
        }
    }

    void IDecisionSink.Record(in ControlEvent decision) => _simulation.Record(this, decision);

    /// <summary>Set when an instance's state (phase, in-flight count, uses, last use) or the set of instances changes.</summary>
    public bool LoadsChanged { get; set; }

    /// <summary>Control ticks still to skip, as the controller allowed after the tick at <see cref="QuietFrom"/>.</summary>
    public int QuietLeft
    {
        get => _quiet.Left(Index);
        set => _quiet.Left(Index) = value;
    }

    /// <summary>Control ticks skipped since <see cref="QuietFrom"/>, not yet handed to the controller.</summary>
    public int QuietSkipped
    {
        get => _quiet.Skipped(Index);
        set => _quiet.Skipped(Index) = value;
    }

    /// <summary>Time (ticks) of the last control tick the controller made.</summary>
    public long QuietFrom { get; set; }

    /// <summary>
    /// The instances' exact load, as their nodes would report it (a buffer reused by every tick); nothing when no
    /// instance changed since the last report. The controller takes a report's values as they are, and between two
    /// reports it changes its own view of an instance only where the instance changes too (a request it routes starts
    /// there, a slot it hears of freed there), so reporting unchanged instances again would change nothing.
    /// </summary>
    public IReadOnlyList<InstanceLoad> InstanceLoads()
    {
        if (!LoadsChanged)
        {
            return [];
        }

        LoadsChanged = false;
        _loads.Clear();
        foreach (var s in Instances)
        {
            _loads.Add(new InstanceLoad(s.Id, s.Ready, s.InFlight, 0, s.Uses, new DateTimeOffset(s.LastUsedTicks, TimeSpan.Zero)));
        }

        return _loads;
    }
}

/// <summary>One request of the trace: when it arrived and how long it runs once on an instance.</summary>
internal readonly record struct SimRequest(long ArrivalTicks, long ExecTicks);
