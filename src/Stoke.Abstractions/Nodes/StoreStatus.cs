namespace Stoke.Abstractions.Nodes;

/// <summary>What a node last learned about its state store (membership, function registry, usage ledger).</summary>
/// <param name="Backend">"files", "redis" or "postgres".</param>
/// <param name="Status">The store's condition as this node sees it.</param>
/// <param name="LastError">Why the store is down or lost; null while it is ok.</param>
/// <param name="Since">When the store entered <paramref name="Status"/>.</param>
/// <param name="CheckedAt">When the node last probed the store.</param>
[GenerateSerializer, Immutable]
public sealed record StoreStatus(
    [property: Id(0)] string Backend,
    [property: Id(1)] StoreState Status,
    [property: Id(2)] string? LastError,
    [property: Id(3)] DateTimeOffset? Since,
    [property: Id(4)] DateTimeOffset? CheckedAt);

/// <summary>The condition of a node's state store.</summary>
public enum StoreState
{
    /// <summary>Not probed yet.</summary>
    Unknown,

    /// <summary>Reachable, and it still holds the cluster this node joined.</summary>
    Ok,

    /// <summary>Unreachable or failing: the node serves what it has in memory and retries.</summary>
    Down,

    /// <summary>Reachable, but the cluster this node joined is gone from it (restarted empty, or wiped).</summary>
    Lost,
}
