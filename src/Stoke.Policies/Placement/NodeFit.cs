using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Placement;

/// <summary>Whether and how a request fits a node: the checks every placement policy shares.</summary>
internal static class NodeFit
{
    /// <summary>A node qualifies when it carries every label the request asks for, with the same value.</summary>
    public static bool HasLabels(NodeView node, PlacementRequest request)
    {
        // Most requests ask for no label: skip the dictionary enumerator, which the interface would box per node.
        if (request.Labels.Count == 0)
        {
            return true;
        }

        foreach (var (key, value) in request.Labels)
        {
            if (!node.Labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Fits in free memory now, without evicting anything.</summary>
    public static bool FitsFree(NodeView node, PlacementRequest request) => node.FreeBytes >= request.MemoryBytes;

    /// <summary>Fits once the node's idle instances are evicted.</summary>
    public static bool FitsAfterEviction(NodeView node, PlacementRequest request) =>
        node.FreeBytes + node.ReclaimableBytes >= request.MemoryBytes;

    /// <summary>Memory left over after placing, counting reclaimable memory when the node has to evict.</summary>
    public static long Leftover(NodeView node, PlacementRequest request) =>
        (FitsFree(node, request) ? node.FreeBytes : node.FreeBytes + node.ReclaimableBytes) - request.MemoryBytes;
}
