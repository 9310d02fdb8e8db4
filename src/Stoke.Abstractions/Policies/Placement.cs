namespace Stoke.Abstractions.Policies;

/// <summary>A node as placement sees it.</summary>
/// <param name="NodeId">The node's stable id.</param>
/// <param name="MemoryCapacityBytes">Memory budget for instances.</param>
/// <param name="MemoryUsedBytes">Memory held by instances now.</param>
/// <param name="ReclaimableBytes">Memory of idle instances that eviction may release.</param>
/// <param name="MemoryTierArtifacts">Artifacts (SHA-256) in the node's memory tier or loaded.</param>
/// <param name="DiskTierArtifacts">Artifacts on the node's local disk cache.</param>
/// <param name="Instances">Instances on the node.</param>
/// <param name="Labels">The node's labels, matched against a function's placement labels.</param>
public sealed record NodeView(
    string NodeId,
    long MemoryCapacityBytes,
    long MemoryUsedBytes,
    long ReclaimableBytes,
    IReadOnlySet<string> MemoryTierArtifacts,
    IReadOnlySet<string> DiskTierArtifacts,
    int Instances,
    IReadOnlyDictionary<string, string> Labels)
{
    private static readonly IReadOnlyDictionary<string, int> None = new Dictionary<string, int>();

    public long FreeBytes => MemoryCapacityBytes - MemoryUsedBytes;

    /// <summary>Loading and ready instances on the node per function key: placement spreads a function's instances.</summary>
    public IReadOnlyDictionary<string, int> FunctionInstances { get; init; } = None;

    /// <summary>Instances of one function on the node.</summary>
    public int InstancesOf(string functionKey) => FunctionInstances.TryGetValue(functionKey, out var n) ? n : 0;
}

/// <summary>An instance to be placed.</summary>
public sealed record PlacementRequest(
    string FunctionKey,
    string ArtifactSha256,
    long MemoryBytes,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>Chooses the node for a new instance, or none when nothing fits even after eviction.</summary>
public interface IPlacementPolicy
{
    string Name { get; }

    string? ChooseNode(PlacementRequest request, IReadOnlyList<NodeView> nodes);
}
