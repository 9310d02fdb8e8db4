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

/// <summary>Persisted state of <see cref="IArtifactReferencesGrain"/>.</summary>
[GenerateSerializer]
public sealed class ArtifactReferencesState
{
    [Id(0)] public HashSet<string> Functions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Times the artifact was collected: a deploy that sees it change knows its stored copy is gone.</summary>
    [Id(1)] public long Collections { get; set; }
}
