using System.Collections.Concurrent;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Runtime.Cluster;
using Stoke.Runtime.Instances;

namespace Stoke.Runtime.Routing;

/// <summary>
/// This node's routing tables: for each function version with ready instances anywhere in the cluster, which
/// instances they are, so a request on a warm function goes from this gateway straight to an instance's node without
/// asking the function's controller. Controllers publish their tables here when their ready set changes and with every
/// tick's pull; a table with a higher revision replaces an older one.
/// </summary>
public sealed class NodeRouter
{
    private readonly ConcurrentDictionary<(string FunctionKey, int Version), FunctionRoutes> _tables = new();
    private readonly NodeHost _node;
    private readonly ClusterView _cluster;
    private readonly IPolicyCatalog _policies;
    private readonly TimeProvider _time;
    private readonly Func<string, int?> _localInFlight;
    private readonly Func<string, bool> _unreachable;
    private readonly long _lostTicks;

    public NodeRouter(NodeHost node, ClusterView cluster, IPolicyCatalog policies, TimeProvider time)
    {
        _node = node;
        _cluster = cluster;
        _policies = policies;
        _time = time;
        _localInFlight = node.InFlightOf;
        _unreachable = cluster.IsUnreachable;
        _lostTicks = (long)(FunctionRoutes.LostPeriod.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>The key of a function version's table (a value tuple: no allocation on the request path).</summary>
    public static (string FunctionKey, int Version) KeyOf(string functionKey, int version) => (functionKey, version);

    /// <summary>Takes a controller's table (newer revisions win); an empty table of a deleted function drops it.</summary>
    public void Update(RouteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var key = KeyOf(table.FunctionKey, table.Version);
        var routes = _tables.GetOrAdd(key, static (_, t) => new FunctionRoutes(t), table);
        routes.Update(table);
    }

    /// <summary>Drops the table of a function version (deleted).</summary>
    public void Remove(string functionKey, int version) => _tables.TryRemove(KeyOf(functionKey, version), out _);

    /// <summary>The warm path: a ready instance with a free slot, counted as busy with this request; null when there is none.</summary>
    internal DirectRoute? TryRoute(FunctionSpec spec, in RoutingContext context)
    {
        if (!_tables.TryGetValue(KeyOf(spec.Key, spec.Version), out var routes))
        {
            return null;
        }

        return routes.TryPick(_policies.GetRouting(spec.Routing), context, _localInFlight, _unreachable, _time.GetTimestamp(), _lostTicks);
    }

    /// <summary>Counts a request the controller assigned to a local instance until the instance has counted it (<see cref="FunctionRoutes.Claim"/>).</summary>
    internal DirectRoute? Claim(FunctionSpec spec, string instanceId) =>
        _tables.TryGetValue(KeyOf(spec.Key, spec.Version), out var routes) ? routes.Claim(instanceId, _localInFlight) : null;

    /// <summary>This node's view of a function's ready instances, passed to the controller when the warm path found none.</summary>
    public RouteCandidate[] Observed(FunctionSpec spec) =>
        _tables.TryGetValue(KeyOf(spec.Key, spec.Version), out var routes) ? routes.Observed(_localInFlight) : [];

    /// <summary>Stops routing to an instance that was found gone, until the controller's tables drop it.</summary>
    public void Lost(FunctionSpec spec, string instanceId)
    {
        if (_tables.TryGetValue(KeyOf(spec.Key, spec.Version), out var routes))
        {
            routes.Lost(instanceId, _time.GetTimestamp());
        }
    }

    /// <summary>Whether the function's controller holds requests (then a freed slot is worth telling it about).</summary>
    public bool IsHolding(string functionKey, int version) =>
        _tables.TryGetValue(KeyOf(functionKey, version), out var routes) && routes.Holding;

    /// <summary>The table this node has for a function version, or null.</summary>
    public RouteTable? TableOf(string functionKey, int version) =>
        _tables.TryGetValue(KeyOf(functionKey, version), out var routes) ? routes.Table : null;

    /// <summary>Whether this node knows a node id (the local one) — used to call local instances in process.</summary>
    public bool IsLocal(string nodeId) => string.Equals(nodeId, _node.NodeId, StringComparison.Ordinal);
}
