using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;

namespace Stoke.Abstractions.Nodes;

/// <summary>A node's capacity, caches and instances.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeSnapshot(
    [property: Id(0)] string NodeId,
    [property: Id(1)] long MemoryCapacityBytes,
    [property: Id(2)] long MemoryUsedBytes,
    [property: Id(3)] long ReclaimableBytes,
    [property: Id(4)] string[] MemoryTierArtifacts,
    [property: Id(5)] string[] DiskTierArtifacts,
    [property: Id(6)] InstanceSnapshot[] Instances,
    [property: Id(7)] Dictionary<string, string> Labels,
    [property: Id(8)] long MemoryTierUsedBytes,
    [property: Id(9)] long DiskTierUsedBytes)
{
    public NodeView ToView() => new(
        NodeId, MemoryCapacityBytes, MemoryUsedBytes, ReclaimableBytes,
        MemoryTierArtifacts.ToHashSet(StringComparer.Ordinal), DiskTierArtifacts.ToHashSet(StringComparer.Ordinal),
        Instances.Length, Labels)
    {
        FunctionInstances = Instances
            .Where(i => i.Phase is InstancePhase.Loading or InstancePhase.Ready)
            .GroupBy(i => i.FunctionKey, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
    };
}
