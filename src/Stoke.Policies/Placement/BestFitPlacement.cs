using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Placement;

/// <summary>
/// Best-fit bin packing by memory: the qualifying node left with the least free memory after placing, which
/// keeps large holes free for large models. Nodes that fit without eviction come before those that must evict.
/// </summary>
internal sealed class BestFitPlacement : IPlacementPolicy
{
    public string Name => PolicyNames.BestFit;

    public string? ChooseNode(PlacementRequest request, IReadOnlyList<NodeView> nodes) =>
        PlacementRanking.Best(request, nodes, static (_, _) => 0);
}
