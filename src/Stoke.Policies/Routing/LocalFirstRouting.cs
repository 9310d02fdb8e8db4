using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Routing;

/// <summary>
/// Locality: prefer an instance on the node the request entered, so it never crosses the network (its payload stays
/// in process); among local ones, and when there is none, the least busy. In a cluster whose load enters every node
/// and whose instances are spread across them this saves a hop for most requests.
/// </summary>
internal sealed class LocalFirstRouting : IRoutingPolicy
{
    public string Name => PolicyNames.LocalFirst;

    public int Pick(ReadOnlySpan<RouteCandidate> candidates, in RoutingContext context)
    {
        var best = -1;
        if (context.LocalNodeId is { } local)
        {
            for (var i = 0; i < candidates.Length; i++)
            {
                if (string.Equals(candidates[i].NodeId, local, StringComparison.Ordinal)
                    && (best < 0 || candidates[i].InFlight < candidates[best].InFlight))
                {
                    best = i;
                }
            }
        }

        return best >= 0 ? best : LeastRequestsRouting.Least(candidates);
    }
}
