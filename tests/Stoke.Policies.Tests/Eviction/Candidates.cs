using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.Eviction;

/// <summary>Eviction candidates for tests.</summary>
internal static class Candidates
{
    public const long GiB = 1L << 30;

    public static EvictionCandidate Idle(string id, DateTimeOffset lastUsed, long uses = 1, double loadSeconds = 1, long memoryGiB = 1) =>
        new(id, "t/" + id, memoryGiB * GiB, lastUsed, uses, TimeSpan.FromSeconds(loadSeconds));
}
