namespace Stoke.Runtime.Memory;

/// <summary>
/// When an idle node should give the memory of a finished burst back: after a burst of deploys, a restart that loaded
/// thousands of specs, or a load spike, the GC keeps the heap it grew to committed (several KiB per idle function,
/// BENCHMARKS.md "Ten thousand idle functions"). One aggressive, compacting collection then returns it; doing so
/// while the node is busy would only pause requests. So: compact once enough was allocated since the last compaction
/// and the node has since gone quiet (little allocated over the last check).
/// </summary>
public sealed class CompactionRule(long burstBytes, long quietBytes)
{
    /// <summary>Allocation since the last compaction that makes one worth its pause.</summary>
    public const long DefaultBurstBytes = 32L << 20;

    /// <summary>Allocation over one check below which the node counts as quiet.</summary>
    public const long DefaultQuietBytes = 2L << 20;

    private long _compactedAt; // the process's total allocated bytes at the last compaction (0: its start)
    private long _lastCheck;

    /// <summary>Takes the process's total allocated bytes at a check; true when the node should compact now.</summary>
    public bool ShouldCompact(long totalAllocated)
    {
        var sinceLastCheck = totalAllocated - _lastCheck;
        _lastCheck = totalAllocated;
        if (sinceLastCheck >= quietBytes || totalAllocated - _compactedAt < burstBytes)
        {
            return false;
        }

        _compactedAt = totalAllocated;
        return true;
    }
}
