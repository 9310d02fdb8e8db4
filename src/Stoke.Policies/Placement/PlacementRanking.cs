using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Placement;

/// <summary>
/// Ranks qualifying nodes: fewest instances of the same function first (spread for availability: a second instance
/// never lands beside the first while another node has room), then the policy's preference, then no eviction, then
/// tightest fit, then input order.
/// </summary>
internal static class PlacementRanking
{
    /// <param name="preference">Higher is better; compared before anything else.</param>
    public static string? Best(PlacementRequest request, IReadOnlyList<NodeView> nodes, Func<NodeView, PlacementRequest, int> preference)
    {
        NodeView? best = null;
        (int Spread, int Preference, int NoEviction, long NegLeftover) bestKey = default;
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            if (!NodeFit.HasLabels(node, request) || !NodeFit.FitsAfterEviction(node, request))
            {
                continue;
            }

            var key = (-node.InstancesOf(request.FunctionKey), preference(node, request), NodeFit.FitsFree(node, request) ? 1 : 0, -NodeFit.Leftover(node, request));
            // Strictly greater keeps the earliest node on ties, so the result is deterministic.
            if (best is null || key.CompareTo(bestKey) > 0)
            {
                best = node;
                bestKey = key;
            }
        }

        return best?.NodeId;
    }
}
