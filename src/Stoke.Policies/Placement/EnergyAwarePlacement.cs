using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Placement;

/// <summary>
/// Consolidates instances onto the nodes that are already awake, so that the rest hold nothing and may sleep: a node
/// that runs instances and has free memory comes first, then an empty node (waking it rather than evicting), then an
/// awake node that must evict; among equals, the artifact's fastest tier (as <see cref="LocalityAwarePlacement"/>),
/// then the tightest fit. Unlike the other policies it does not spread a function's instances over nodes: a second
/// instance lands beside the first while that node has room, trading availability on a node loss for energy.
/// </summary>
internal sealed class EnergyAwarePlacement : IPlacementPolicy
{
    public string Name => PolicyNames.EnergyAware;

    public string? ChooseNode(PlacementRequest request, IReadOnlyList<NodeView> nodes)
    {
        NodeView? best = null;
        (int Wake, int Tier, long NegLeftover) bestKey = default;
        foreach (var node in nodes)
        {
            if (!NodeFit.HasLabels(node, request) || !NodeFit.FitsAfterEviction(node, request))
            {
                continue;
            }

            var key = (WakeScore(node, request), LocalityAwarePlacement.TierScore(node, request), -NodeFit.Leftover(node, request));
            // Strictly greater keeps the earliest node on ties, so the result is deterministic.
            if (best is null || key.CompareTo(bestKey) > 0)
            {
                best = node;
                bestKey = key;
            }
        }

        return best?.NodeId;
    }

    // 2: awake with room; 1: empty (asleep or about to be), it has room by definition; 0: awake and must evict.
    private static int WakeScore(NodeView node, PlacementRequest request) =>
        node.Instances == 0 ? 1 : NodeFit.FitsFree(node, request) ? 2 : 0;
}
