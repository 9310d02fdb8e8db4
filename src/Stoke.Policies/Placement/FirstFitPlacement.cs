using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Functions;

namespace Stoke.Policies.Placement;

/// <summary>
/// The baseline placement: the first qualifying node, in the order given, that fits without eviction;
/// failing that, the first that fits once its idle instances are evicted.
/// </summary>
internal sealed class FirstFitPlacement : IPlacementPolicy
{
    public string Name => PolicyNames.FirstFit;

    public string? ChooseNode(PlacementRequest request, IReadOnlyList<NodeView> nodes)
    {
        string? afterEviction = null;
        foreach (var node in nodes)
        {
            if (!NodeFit.HasLabels(node, request))
            {
                continue;
            }

            if (NodeFit.FitsFree(node, request))
            {
                return node.NodeId;
            }

            if (afterEviction is null && NodeFit.FitsAfterEviction(node, request))
            {
                afterEviction = node.NodeId;
            }
        }

        return afterEviction;
    }
}
