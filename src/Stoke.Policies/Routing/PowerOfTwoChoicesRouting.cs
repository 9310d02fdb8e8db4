using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Routing;

/// <summary>
/// Power of two choices (Mitzenmacher; what Ray Serve's router does): sample two distinct candidates at random and
/// take the less busy. With load information that is a little stale (each gateway knows other gateways' requests
/// only from the last routing table) it avoids the herd behaviour of least-requests, where every gateway sends to
/// the same instance that looked idlest.
/// </summary>
internal sealed class PowerOfTwoChoicesRouting : IRoutingPolicy
{
    public string Name => PolicyNames.PowerOfTwoChoices;

    public int Pick(ReadOnlySpan<RouteCandidate> candidates, in RoutingContext context)
    {
        if (candidates.Length == 1)
        {
            return 0;
        }

        var a = context.Random.Next(candidates.Length);
        var b = context.Random.Next(candidates.Length - 1);
        if (b >= a)
        {
            b++;
        }

        return candidates[b].InFlight < candidates[a].InFlight ? b : a;
    }
}
