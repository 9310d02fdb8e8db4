using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Routing;

/// <summary>The baseline: the candidate with the fewest requests in flight; ties go to the earliest (oldest instance).</summary>
internal sealed class LeastRequestsRouting : IRoutingPolicy
{
    public string Name => PolicyNames.LeastRequests;

    public int Pick(ReadOnlySpan<RouteCandidate> candidates, in RoutingContext context) => Least(candidates);

    /// <summary>Index of the least busy candidate, the earliest among equals.</summary>
    public static int Least(ReadOnlySpan<RouteCandidate> candidates)
    {
        var best = 0;
        for (var i = 1; i < candidates.Length; i++)
        {
            if (candidates[i].InFlight < candidates[best].InFlight)
            {
                best = i;
            }
        }

        return best;
    }
}
