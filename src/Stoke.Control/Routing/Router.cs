using Stoke.Abstractions.Policies;

namespace Stoke.Control.Routing;

/// <summary>
/// The one routing rule every router shares (a node's warm path, the controller's held requests, the simulator):
/// drop saturated instances, then let the function's routing policy choose among the rest.
/// </summary>
public static class Router
{
    [ThreadStatic]
    private static RouteCandidate[]? t_free;

    /// <summary>
    /// Index into <paramref name="candidates"/> of the instance to use, or -1 when there is none with a free slot.
    /// </summary>
    /// <param name="capacity">Requests one instance takes at once; 0 for no limit.</param>
    public static int Pick(IRoutingPolicy policy, ReadOnlySpan<RouteCandidate> candidates, int capacity, in RoutingContext context)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (candidates.Length == 0)
        {
            return -1;
        }

        if (capacity <= 0)
        {
            return policy.Pick(candidates, context);
        }

        // Only free instances reach the policy; remember where each sits in the caller's list.
        var buffer = t_free is { } b && b.Length >= candidates.Length ? b : t_free = new RouteCandidate[Math.Max(16, candidates.Length)];
        Span<int> origin = candidates.Length <= 256 ? stackalloc int[candidates.Length] : new int[candidates.Length];
        var free = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (candidates[i].InFlight < capacity)
            {
                origin[free] = i;
                buffer[free++] = candidates[i];
            }
        }

        if (free == 0)
        {
            return -1;
        }

        var pick = policy.Pick(buffer.AsSpan(0, free), context);
        Array.Clear(buffer, 0, free);
        return origin[pick];
    }
}
