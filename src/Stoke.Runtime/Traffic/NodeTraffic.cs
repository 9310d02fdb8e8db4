using System.Collections.Concurrent;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Routing;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Routing;

namespace Stoke.Runtime.Traffic;

/// <summary>This node's traffic, per function version; the controllers' ticks pull it.</summary>
public sealed class NodeTraffic(NodeHost node, NodeRouter router, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string FunctionKey, int Version), FunctionTraffic> _functions = new();

    internal FunctionTraffic For(FunctionSpec spec) =>
        _functions.GetOrAdd(NodeRouter.KeyOf(spec.Key, spec.Version), static (_, a) => new FunctionTraffic(a.spec.Key, a.spec.Version, a.time), (spec, time));

    /// <summary>Meters a request answered without an instance of its own (a pipeline: its steps meter their own calls).</summary>
    public void Answered(FunctionSpec spec, Abstractions.Usage.UsageRecord record, double latencyMs) => For(spec).Answered(record, latencyMs);

    /// <summary>Counts a failed request of such a function under its reason (<c>bad_request</c>, <c>internal</c>, ...).</summary>
    public void Failed(FunctionSpec spec, string reason) => For(spec).Failed(spec.Tenant, spec.Name, spec.Version, reason);

    /// <summary>
    /// One function version's report for its controller's tick: takes the controller's routing table, drops the usage
    /// it acknowledged, and cuts this node's load interval.
    /// </summary>
    public NodeLoadReport Report(string functionKey, int version, long acknowledged, RouteTable? routes)
    {
        if (routes is not null)
        {
            router.Update(routes);
        }

        var instances = node.LoadOf(functionKey, version);
        if (!_functions.TryGetValue(NodeRouter.KeyOf(functionKey, version), out var traffic))
        {
            return new NodeLoadReport { NodeId = node.NodeId, Instances = instances };
        }

        return traffic.Report(node.NodeId, acknowledged, instances);
    }

    /// <summary>A function version's unacknowledged usage on this node (the controller's read of fresh usage).</summary>
    public UsageBatch[] Usage(string functionKey, int version, long acknowledged) =>
        _functions.TryGetValue(NodeRouter.KeyOf(functionKey, version), out var traffic) ? traffic.Usage(acknowledged) : [];

    /// <summary>The most recent usage records answered by this node's gateway for a function version.</summary>
    public Abstractions.Usage.UsageRecord[] Recent(string functionKey, int version, int limit) =>
        _functions.TryGetValue(NodeRouter.KeyOf(functionKey, version), out var traffic) ? traffic.Recent(limit) : [];

    /// <summary>Forgets a deleted function version's traffic.</summary>
    public void Remove(string functionKey, int version) => _functions.TryRemove(NodeRouter.KeyOf(functionKey, version), out _);
}
