using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Eviction;

/// <summary>Takes candidates in priority order until their memory covers the need.</summary>
internal static class Victims
{
    /// <summary>The chosen ids, or empty when even all candidates together do not free enough.</summary>
    public static IReadOnlyList<string> TakeUntil(IEnumerable<EvictionCandidate> ordered, long bytesNeeded)
    {
        if (bytesNeeded <= 0)
        {
            return [];
        }

        var chosen = new List<string>();
        long freed = 0;
        foreach (var candidate in ordered)
        {
            chosen.Add(candidate.InstanceId);
            freed += candidate.MemoryBytes;
            if (freed >= bytesNeeded)
            {
                return chosen;
            }
        }

        return [];
    }
}
