namespace Stoke.Runtime.Grains;

/// <summary>
/// Which functions (<c>tenant/name</c>, any tenant) use one artifact; keyed by its SHA-256, persisted. When the last
/// one is released the artifact is collected: deleted from every reachable node's repository, disk and memory tiers.
/// Acquire and release of one artifact run one at a time, so a deploy and a delete of functions sharing it see each
/// other's effect in one order.
/// </summary>
public interface IArtifactReferencesGrain : IGrainWithStringKey
{
    /// <summary>Records that <paramref name="function"/> uses the artifact; returns how many times it has been collected.</summary>
    Task<long> Acquire(string function);

    /// <summary>Drops the function's use; collects the artifact when no function uses it. True when it was collected.</summary>
    Task<bool> Release(string function);

    /// <summary>The functions using the artifact.</summary>
    Task<string[]> Users();
}

/// <summary>
/// Persisted header of <see cref="IArtifactReferencesGrain"/> (state <c>artifact-references</c>): which of its user
/// buckets may hold users. The users themselves are in <see cref="ArtifactUsersState"/> records, so acquiring or
/// releasing one rewrites one bucket, not every user of a widely shared artifact.
/// </summary>
[GenerateSerializer]
public sealed class ArtifactReferencesState
{
    /// <summary>The first layout's users, all in this record; moved to buckets at activation, then empty.</summary>
    [Id(0)] public HashSet<string> Functions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Times the artifact was collected: a deploy that sees it change knows its stored copy is gone.</summary>
    [Id(1)] public long Collections { get; set; }

    /// <summary>Bit i set: bucket i may hold users (set before a user is written to it, cleared after it is emptied).</summary>
    [Id(2)] public ulong Buckets { get; set; }
}

/// <summary>One bucket of an artifact's users (state <c>artifact-users</c>, keyed SHA-256/bucket).</summary>
[GenerateSerializer]
public sealed class ArtifactUsersState
{
    public const string StateName = "artifact-users";

    [Id(0)] public HashSet<string> Functions { get; set; } = new(StringComparer.Ordinal);
}
