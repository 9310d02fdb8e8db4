using Stoke.Abstractions.Policies;

namespace Stoke.Simulator.Engine;

/// <summary>A node with a memory budget, its instances, and its own eviction policy state.</summary>
internal sealed class SimNode(string id, long capacityBytes, IEvictionPolicy eviction)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public string Id { get; } = id;

    public long CapacityBytes { get; } = capacityBytes;

    public long UsedBytes { get; set; }

    public IEvictionPolicy Eviction { get; } = eviction;

    public List<SimInstance> Instances { get; } = [];

    /// <summary>Artifacts this node has loaded before (its disk tier), for locality-aware placement.</summary>
    public HashSet<string> DiskTier { get; } = new(StringComparer.Ordinal);

    public NodeView ToView(long instanceBytes)
    {
        long reclaimable = 0;
        var memoryTier = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in Instances)
        {
            memoryTier.Add(i.Function.Name);
            if (i.Idle)
            {
                reclaimable += instanceBytes;
            }
        }

        return new NodeView(Id, CapacityBytes, UsedBytes, reclaimable, memoryTier, DiskTier, Instances.Count, NoLabels);
    }
}
