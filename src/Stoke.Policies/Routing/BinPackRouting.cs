using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Routing;

/// <summary>
/// Packing: the busiest candidate that still has a free slot (so with an instance concurrency limit, surplus
/// instances go idle and keep-alive can release them); ties go to the earliest. The opposite of least-requests:
/// fewer instance-seconds at the price of fuller batches and queues. Useful only with a concurrency limit.
/// </summary>
internal sealed class BinPackRouting : IRoutingPolicy
{
    public string Name => PolicyNames.BinPack;

    public int Pick(ReadOnlySpan<RouteCandidate> candidates, in RoutingContext context)
    {
        var best = 0;
        for (var i = 1; i < candidates.Length; i++)
        {
            if (candidates[i].InFlight > candidates[best].InFlight)
            {
                best = i;
            }
        }

        return best;
    }
}
