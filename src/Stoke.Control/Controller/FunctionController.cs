using System.Globalization;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Control.Routing;
using Stoke.Policies.Control;

namespace Stoke.Control.Controller;

/// <summary>
/// The brain of one function version, written once for the server and the simulator: it holds requests that no
/// instance can take (bounded, each within its deadline) and starts an instance for them; it routes held requests
/// when an instance frees; it turns the load that nodes report into the autoscaler's signal and the autoscaler's and
/// keep-alive's decision into instances to start (placed by the placement policy) and to release; it publishes the
/// ready set for every node's warm path; it logs each decision with its inputs; and it says when it may stop ticking.
/// It is not thread-safe: the host calls it from one thread of control (a grain turn, the simulator's loop).
/// </summary>
/// <typeparam name="THeld">The host's handle for a held request.</typeparam>
public sealed partial class FunctionController<THeld>
{
    private readonly FunctionSpec _spec;
    private readonly string _key; // the spec builds its key on each read; a placement and a route table each need it
    private readonly IControllerPort<THeld> _port;
    private readonly TimeProvider _time;
    private readonly InstanceCountController _count;
    private readonly ShadowScaling? _shadow;
    private readonly IPlacementPolicy _placement;
    private readonly IRoutingPolicy _routing;
    private readonly ControllerOptions _options;
    private readonly List<ControlledInstance> _instances = [];
    private readonly List<ControlledInstance> _draining = [];
    private readonly HoldQueue<THeld> _held = new();
    private readonly Dictionary<string, long> _coldStartsByTier = new(StringComparer.Ordinal);
    private readonly LoadTimes _loadTimes = new();
    private RouteCandidate[] _candidates = new RouteCandidate[4];
    private ControlDecision? _lastDecision;
    private string? _lastStartError;
    private long _revision;
    private bool _publishedHolding;
    private int _idleTicks;
    private bool _retired;
    private DateTimeOffset? _evictedAt; // an instance was evicted and no request has arrived since
    private bool _withholding; // the last tick withheld a restart after an eviction
    private PlacementRequest? _placementRequest;
    private readonly IInProcessRoutes? _inProcessRoutes;

    public FunctionController(FunctionSpec spec, ControllerPolicies policies, IControllerPort<THeld> port, TimeProvider time, ControllerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(policies);
        _spec = spec;
        _key = spec.Key;
        _port = port ?? throw new ArgumentNullException(nameof(port));
        _inProcessRoutes = port as IInProcessRoutes;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = options ?? new ControllerOptions();
        _count = new InstanceCountController(spec.Scaling, policies.Autoscaler, policies.KeepAlive);
        if (policies.Shadow is { } shadow)
        {
            _shadow = new ShadowScaling(spec.Scaling, shadow.Autoscaler, shadow.KeepAlive);
        }
        _placement = policies.Placement;
        _routing = policies.Routing;
    }

    public FunctionSpec Spec => _spec;

    /// <summary>Loading and ready instances, in the order they were started.</summary>
    public IReadOnlyList<ControlledInstance> Instances => _instances;

    /// <summary>Instances no longer routed to, still being stopped.</summary>
    public IReadOnlyList<ControlledInstance> Draining => _draining;

    public int HeldCount => _held.Count;

    public ControlDecision? LastDecision => _lastDecision;

    /// <summary>The shadow policies' side-by-side account, or null when the spec names none.</summary>
    public ShadowStatus? Shadow => _shadow?.Status(_instances.Count);

    public IReadOnlyDictionary<string, long> ColdStartsByTier => _coldStartsByTier;

    /// <summary>The function's typical cold start (median of recent ones; zero before the first).</summary>
    public TimeSpan LoadTime => _loadTimes.Median;

    public string? LastStartError => _lastStartError;

    public bool Retired => _retired;

    /// <summary>An admitted request would start an instance now (none is ready or loading): placement should see fresh node views.</summary>
    public bool WouldStartOnAdmit => !_retired && ReadyCount == 0 && !AnyLoading && _instances.Count < MaxInstances;

    /// <summary>
    /// A request the warm path could not place (no ready instance, or all saturated): route it now if the controller
    /// knows a free instance, else hold it (starting an instance when none is loading), or refuse it.
    /// </summary>
    /// <param name="observed">What the caller knows of the instances' load; the controller takes the larger count.</param>
    public Admission<THeld> Admit(THeld request, DateTimeOffset deadline, in RoutingContext routing, ReadOnlySpan<RouteCandidate> observed = default)
    {
        _evictedAt = null;
        if (_retired)
        {
            return Admission<THeld>.Refused(Deleted());
        }

        _idleTicks = 0;
        foreach (var o in observed)
        {
            if (Find(o.InstanceId) is { } known && o.InFlight > known.InFlight)
            {
                known.InFlight = o.InFlight;
            }
        }

        // Held requests keep their order: a newcomer does not overtake them.
        if (_held.Count == 0 && PickFree(routing) is { } free)
        {
            free.InFlight++;
            return Admission<THeld>.Routed(new Assignment(free.Id, free.NodeId, TimeSpan.Zero, null));
        }

        var now = _time.GetUtcNow();
        if (_held.Count >= _spec.Scaling.MaxQueuedRequests)
        {
            // Refuse, but start an instance all the same, so the client's retry finds one.
            StartForHeld("request refused with a full queue: starting an instance for the retry");
            var retry = LoadTime > TimeSpan.Zero ? LoadTime : TimeSpan.FromSeconds(1);
            return Admission<THeld>.Refused(new StokeException(
                StokeErrorKind.Overloaded,
                Text($"Function {_spec.Name} has {_held.Count} requests waiting for an instance (limit {_spec.Scaling.MaxQueuedRequests})."),
                TimeSpan.FromSeconds(Math.Ceiling(retry.TotalSeconds))));
        }

        var cold = ReadyCount == 0;
        if (cold)
        {
            StartForHeld(_instances.Count == 0 ? "scale from zero: request arrived" : "request held: no ready instance");
            if (RefusedAtTenantCap() is { } capped)
            {
                return Admission<THeld>.Refused(capped);
            }
        }
        if (deadline <= now)
        {
            return Admission<THeld>.Refused(DeadlineExpired());
        }

        var held = _held.Add(request, deadline, now, cold, routing);
        UpdateHolding();
        return Admission<THeld>.Waiting(held);
    }

    /// <summary>The host gives up on a held request (its own deadline timer, or the client went away).</summary>
    public bool Withdraw(Held<THeld> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        var removed = _held.Remove(held);
        UpdateHolding();
        return removed;
    }

    /// <summary>
    /// An instance's node says how many requests it has in flight now (it does when a slot frees while the controller
    /// holds requests): held requests may run.
    /// </summary>
    public void SlotFreed(string instanceId, int inFlight)
    {
        if (Find(instanceId) is { } instance)
        {
            instance.InFlight = Math.Max(0, inFlight);
            instance.LastUsed = _time.GetUtcNow();
            DispatchHeld();
        }
    }

    /// <summary>
    /// Starts an instance ahead of a request that is known to come (a pipeline's later step while its first step
    /// cold-starts): only when none is ready or loading and the function is below its maximum. True when one started.
    /// </summary>
    public bool Prewarm(string reason)
    {
        if (_retired || ReadyCount > 0 || AnyLoading || _instances.Count >= MaxInstances)
        {
            return false;
        }

        _evictedAt = null;
        _idleTicks = 0;
        // The request it is warmed for counts as arriving now, so keep-alive does not release the instance before it comes.
        var now = _time.GetUtcNow();
        _count.OnArrivals(now, now, 1);
        return TryStart(reason, null);
    }

    /// <summary>Why a held request's deadline passed, in words for its 504.</summary>
    public StokeException DeadlineExpired()
    {
        var waitedFor = ReadyCount > 0 ? "a free instance" : "a cold start";
        var why = _lastStartError is not null ? "the last start failed: " + _lastStartError
            : ReadyCount > 0 ? "every instance stayed at its concurrency limit"
            : "the instance is still loading";
        return new StokeException(StokeErrorKind.DeadlineExceeded, Text($"Deadline expired while held for {waitedFor} of {_spec.Name} v{_spec.Version} ({why})."));
    }

    /// <summary>The function was deleted: refuse what is held, stop every instance, refuse what comes.</summary>
    public void Retire(string reason)
    {
        _retired = true;
        foreach (var held in _held.TakeAll())
        {
            _port.Refuse(held.Request, Deleted());
        }

        foreach (var instance in _instances.ToList())
        {
            Drain(instance, reason);
        }
    }

    private StokeException Deleted() => new(StokeErrorKind.NotFound, $"Function {_spec.Name} was deleted.");

    private int ReadyCount
    {
        get
        {
            var n = 0;
            foreach (var i in _instances)
            {
                n += i.Phase == InstancePhase.Ready ? 1 : 0;
            }

            return n;
        }
    }

    private bool AnyLoading => _instances.Exists(i => i.Phase == InstancePhase.Loading);

    private ControlledInstance? Find(string instanceId)
    {
        foreach (var i in _instances)
        {
            if (string.Equals(i.Id, instanceId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return null;
    }

    // Held requests run, oldest first, while an instance has a free slot.
    private void DispatchHeld()
    {
        var now = _time.GetUtcNow();
        while (_held.Oldest is { } oldest)
        {
            if (oldest.Deadline <= now)
            {
                _held.Remove(oldest);
                _port.Refuse(oldest.Request, DeadlineExpired());
                continue;
            }

            if (PickFree(oldest.Routing) is not { } instance)
            {
                break;
            }

            _held.Remove(oldest);
            instance.InFlight++;
            _port.Dispatch(oldest.Request, new Assignment(instance.Id, instance.NodeId, now - oldest.Since, oldest.Cold ? instance.ColdStart?.Tier : null));
        }

        UpdateHolding();
    }

    // Details are built only when someone keeps decisions (the simulator usually does not): hot paths test this
    // instead of passing a lambda, whose closure would be allocated on every call.
    private bool Recording => _options.Decisions is not null;

    private void Record(string kind, string? instanceId, Func<string> detail)
    {
        if (_options.Decisions is not null)
        {
            Record(kind, instanceId, detail());
        }
    }

    private void Record(string kind, string? instanceId, string detail) =>
        _options.Decisions?.Record(new ControlEvent(_time.GetUtcNow(), kind, instanceId, _lastDecision?.Target ?? _instances.Count, detail));

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
