using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.Placement;

/// <summary>Node views for placement tests.</summary>
internal static class Nodes
{
    public const long GiB = 1L << 30;

    public static NodeView Node(
        string id,
        long capacityGiB,
        long usedGiB,
        long reclaimableGiB = 0,
        string[]? memoryTier = null,
        string[]? diskTier = null,
        Dictionary<string, string>? labels = null,
        int instances = 0) =>
        new(id, capacityGiB * GiB, usedGiB * GiB, reclaimableGiB * GiB,
            new HashSet<string>(memoryTier ?? [], StringComparer.Ordinal),
            new HashSet<string>(diskTier ?? [], StringComparer.Ordinal),
            instances,
            labels ?? []);

    public static PlacementRequest Request(long memoryGiB, string artifact = "sha-model", Dictionary<string, string>? labels = null) =>
        new("t/f", artifact, memoryGiB * GiB, labels ?? []);
}
