using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Placement;

/// <summary>
/// Locality-aware placement in the spirit of ServerlessLLM (Fu et al., OSDI'24): start the instance where its
/// artifact already sits in the fastest tier (memory, then local disk), since loading from there is many times
/// faster than from the repository; among equals, best fit by memory.
/// </summary>
internal sealed class LocalityAwarePlacement : IPlacementPolicy
{
    public string Name => PolicyNames.LocalityAware;

    public string? ChooseNode(PlacementRequest request, IReadOnlyList<NodeView> nodes) =>
        PlacementRanking.Best(request, nodes, TierScore);

    /// <summary>2: the artifact is in the node's memory tier; 1: on its disk; 0: neither.</summary>
    internal static int TierScore(NodeView node, PlacementRequest request) =>
        node.MemoryTierArtifacts.Contains(request.ArtifactSha256) ? 2
        : node.DiskTierArtifacts.Contains(request.ArtifactSha256) ? 1
        : 0;
}
