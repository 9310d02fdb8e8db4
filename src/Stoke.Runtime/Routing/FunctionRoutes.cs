using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Control.Routing;

namespace Stoke.Runtime.Routing;

/// <summary>
/// One function version's routing table on this node, with this node's own traffic to each instance: a gateway knows
/// its own requests in flight exactly, its node's instances exactly, and other gateways' requests only as of the
/// last table. Picking and counting happen under one lock, so concurrent requests see each other: a request picked for
/// one of this node's instances counts as entering it until the instance has counted it itself.
/// </summary>
internal sealed class FunctionRoutes(RouteTable table)
{
    private static readonly TimeSpan LostFor = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _lost = new(StringComparer.Ordinal);
    private RouteTable _table = table;
    private int[] _sent = new int[table.Instances.Length];
    private int[] _sentAtTable = new int[table.Instances.Length];
    private int[] _entering = new int[table.Instances.Length];
    private RouteCandidate[] _candidates = new RouteCandidate[Math.Max(4, table.Instances.Length)];

    public RouteTable Table
    {
        get
        {
            lock (_gate)
            {
                return _table;
            }
        }
    }

    /// <summary>Takes a newer table; this node's counts follow the instances that stay.</summary>
    public void Update(RouteTable table)
    {
        lock (_gate)
        {
            if (table.Epoch < _table.Epoch || (table.Epoch == _table.Epoch && table.Revision < _table.Revision))
            {
                return;
            }

            var sent = new int[table.Instances.Length];
            var entering = new int[table.Instances.Length];
            for (var i = 0; i < table.Instances.Length; i++)
            {
                var old = Array.FindIndex(_table.Instances, e => e.InstanceId == table.Instances[i].InstanceId);
                sent[i] = old >= 0 ? _sent[old] : 0;
                entering[i] = old >= 0 ? _entering[old] : 0;
            }

            _table = table;
            _sent = sent;
            _entering = entering;
            _sentAtTable = (int[])sent.Clone();
            if (_candidates.Length < table.Instances.Length)
            {
                _candidates = new RouteCandidate[table.Instances.Length * 2];
            }
        }
    }

    /// <summary>
    /// Picks a ready instance with a free slot and counts the request against it; null when there is none (cold, or
    /// all saturated). <paramref name="localInFlight"/> gives this node's exact count for its own instances.
    /// </summary>
    public DirectRoute? TryPick(IRoutingPolicy policy, in RoutingContext context, Func<string, int?> localInFlight, Func<string, bool> unreachable, long now, long lostTicks)
    {
        lock (_gate)
        {
            var entries = _table.Instances;
            var count = 0;
            Span<int> index = entries.Length <= 64 ? stackalloc int[entries.Length] : new int[entries.Length];
            Span<bool> local = entries.Length <= 64 ? stackalloc bool[entries.Length] : new bool[entries.Length];
            for (var i = 0; i < entries.Length; i++)
            {
                var e = entries[i];
                if (unreachable(e.NodeId) || IsLost(e.InstanceId, now, lostTicks))
                {
                    continue;
                }

                index[count] = i;
                _candidates[count] = new RouteCandidate(e.InstanceId, e.NodeId, Load(i, localInFlight, out local[count]));
                count++;
            }

            var pick = Router.Pick(policy, _candidates.AsSpan(0, count), _table.Capacity, context);
            if (pick < 0)
            {
                return null;
            }

            var chosen = index[pick];
            _sent[chosen]++;
            if (local[pick])
            {
                _entering[chosen]++;
            }

            return new DirectRoute(this, entries[chosen].InstanceId, entries[chosen].NodeId, local[pick]);
        }
    }

    /// <summary>
    /// Counts a request the controller assigned to one of this node's instances as entering it, as a warm-path pick
    /// does: until the instance has counted it, a warm-path request must not take the same slot. Null when the
    /// instance is not this node's or not in the table.
    /// </summary>
    public DirectRoute? Claim(string instanceId, Func<string, int?> localInFlight)
    {
        lock (_gate)
        {
            var i = Array.FindIndex(_table.Instances, e => e.InstanceId == instanceId);
            if (i < 0 || localInFlight(instanceId) is null)
            {
                return null;
            }

            _sent[i]++;
            _entering[i]++;
            return new DirectRoute(this, instanceId, _table.Instances[i].NodeId, local: true);
        }
    }

    /// <summary>What this node knows of each ready instance's load, for the controller when the warm path found none.</summary>
    public RouteCandidate[] Observed(Func<string, int?> localInFlight)
    {
        lock (_gate)
        {
            var entries = _table.Instances;
            var observed = new RouteCandidate[entries.Length];
            for (var i = 0; i < entries.Length; i++)
            {
                observed[i] = new RouteCandidate(entries[i].InstanceId, entries[i].NodeId, Load(i, localInFlight, out _));
            }

            return observed;
        }
    }

    /// <summary>A request picked for one of this node's instances has been counted by the instance itself.</summary>
    public void Entered(string instanceId)
    {
        lock (_gate)
        {
            var i = Array.FindIndex(_table.Instances, e => e.InstanceId == instanceId);
            if (i >= 0 && _entering[i] > 0)
            {
                _entering[i]--;
            }
        }
    }

    /// <summary>A request this node sent to the instance is done.</summary>
    public void Done(string instanceId)
    {
        lock (_gate)
        {
            var i = Array.FindIndex(_table.Instances, e => e.InstanceId == instanceId);
            if (i >= 0 && _sent[i] > 0)
            {
                _sent[i]--;
            }
        }
    }

    /// <summary>The instance is gone (its node said so, or could not be reached): skip it until the controller's tables drop it.</summary>
    public void Lost(string instanceId, long now)
    {
        lock (_gate)
        {
            _lost[instanceId] = now;
        }
    }

    public bool Holding
    {
        get
        {
            lock (_gate)
            {
                return _table.Holding;
            }
        }
    }

    // This node's instance counts its requests exactly once they reach it; picked ones on their way are added.
    private int Load(int i, Func<string, int?> localInFlight, out bool local)
    {
        var inFlight = localInFlight(_table.Instances[i].InstanceId);
        local = inFlight is not null;
        return inFlight is { } n ? n + _entering[i] : Estimate(i);
    }

    // Other gateways' requests as of the table, plus this node's own now.
    private int Estimate(int i) => Math.Max(0, _table.Instances[i].InFlight - _sentAtTable[i]) + _sent[i];

    private bool IsLost(string instanceId, long now, long lostTicks)
    {
        if (_lost.Count == 0 || !_lost.TryGetValue(instanceId, out var at))
        {
            return false;
        }

        if (now - at < lostTicks)
        {
            return true;
        }

        _lost.Remove(instanceId);
        return false;
    }

    internal static TimeSpan LostPeriod => LostFor;
}

/// <summary>
/// A request on its way to an instance, counted in this node's table (picked by the warm path, or assigned to a local
/// instance by the controller): <see cref="Entered"/> once a local instance has counted it,
/// <see cref="Done"/> when it is answered.
/// </summary>
internal sealed class DirectRoute(FunctionRoutes routes, string instanceId, string nodeId, bool local)
{
    private int _done;
    private int _entered = local ? 0 : 1;

    public string InstanceId { get; } = instanceId;

    public string NodeId { get; } = nodeId;

    public void Entered()
    {
        if (Interlocked.Exchange(ref _entered, 1) == 0)
        {
            routes.Entered(InstanceId);
        }
    }

    public void Done()
    {
        Entered();
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            routes.Done(InstanceId);
        }
    }
}
