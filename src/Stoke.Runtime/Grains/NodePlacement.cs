using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Stoke.Runtime.Grains;

/// <summary>Places a grain on the silo whose address is its key: each NodeGrain lives on the node it speaks for.</summary>
[GenerateSerializer, Immutable]
public sealed class NodePlacementStrategy : PlacementStrategy
{
    internal static readonly NodePlacementStrategy Instance = new();
}

/// <summary>Marks a grain class as placed by <see cref="NodePlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePlacementAttribute() : PlacementAttribute(NodePlacementStrategy.Instance);

internal sealed class NodePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.ToParsableString() == key)
            {
                return Task.FromResult(silo);
            }
        }

        throw new NodeNotInClusterException(key);
    }
}

/// <summary>A call was addressed to a node that is not (or no longer) an active member: the data plane treats it as unreachable.</summary>
[GenerateSerializer]
public sealed class NodeNotInClusterException : Exception
{
    public NodeNotInClusterException(string nodeId)
        : base($"Node {nodeId} is not in the cluster.")
    {
        NodeId = nodeId;
    }

    [Id(0)] public string NodeId { get; }
}
