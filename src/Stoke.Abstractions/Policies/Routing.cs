namespace Stoke.Abstractions.Policies;

/// <summary>A ready instance with a free slot, as a routing policy sees it.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="NodeId">The node it runs on.</param>
/// <param name="InFlight">Requests in flight on it, as well as the router knows (exact for the router's own node).</param>
[GenerateSerializer, Immutable]
public readonly record struct RouteCandidate(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string NodeId,
    [property: Id(2)] int InFlight);

/// <summary>What a routing policy may know of the request besides the candidates.</summary>
/// <param name="LocalNodeId">The node the request entered (its gateway), or null when there is none (the simulator).</param>
/// <param name="AffinityKey">A sticky key from the client (<c>Stoke-Affinity-Key</c>), or null.</param>
/// <param name="Random">The host's random source: seeded in the simulator, shared in the server.</param>
public readonly record struct RoutingContext(string? LocalNodeId, string? AffinityKey, Random Random);

/// <summary>
/// Picks the instance one request goes to, among ready instances that still have a free slot (the router drops
/// saturated ones before asking). Stateless and shared, like YARP's load-balancing policies; registered by
/// <see cref="Name"/>, which a function names in its spec.
/// </summary>
public interface IRoutingPolicy
{
    string Name { get; }

    /// <summary>The index of the chosen candidate; <paramref name="candidates"/> is never empty.</summary>
    int Pick(ReadOnlySpan<RouteCandidate> candidates, in RoutingContext context);
}
