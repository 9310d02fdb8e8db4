using Stoke.Abstractions.Policies;

namespace Stoke.Simulator.Engine;

/// <summary>A node with a memory budget, its instances, its artifact tiers and its own eviction policy state.</summary>
internal sealed class SimNode(string id, long capacityBytes, IEvictionPolicy eviction)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private readonly Dictionary<string, int> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byFunction = new(StringComparer.Ordinal);
    private readonly HashSet<string> _memoryTier = new(StringComparer.Ordinal);

    public string Id { get; } = id;

    public long CapacityBytes { get; } = capacityBytes;

    public long UsedBytes { get; set; }

    public IEvictionPolicy Eviction { get; } = eviction;

    public List<SimInstance> Instances { get; } = [];

    /// <summary>Artifacts this node has loaded before (its disk tier), for locality-aware placement.</summary>
    public HashSet<string> DiskTier { get; } = new(StringComparer.Ordinal);

    public void Add(SimInstance instance, long bytes)
    {
        Instances.Add(instance);
        UsedBytes += bytes;
        DiskTier.Add(instance.Function.Name);
        _loaded[instance.Function.Name] = _loaded.GetValueOrDefault(instance.Function.Name) + 1;
        _byFunction[instance.Function.Spec.Key] = _byFunction.GetValueOrDefault(instance.Function.Spec.Key) + 1;
        _memoryTier.Add(instance.Function.Name);
    }

    public void Remove(SimInstance instance, long bytes)
    {
        Instances.Remove(instance);
        UsedBytes -= bytes;
        var key = instance.Function.Spec.Key;
        if (_byFunction[key] == 1)
        {
            _byFunction.Remove(key);
        }
        else
        {
            _byFunction[key]--;
        }

        var left = _loaded[instance.Function.Name] - 1;
        if (left == 0)
        {
            _loaded.Remove(instance.Function.Name);
            _memoryTier.Remove(instance.Function.Name);
        }
        else
        {
            _loaded[instance.Function.Name] = left;
        }
    }

    /// <summary>The node as placement sees it; the artifact sets are live (placement reads them at once).</summary>
    public NodeView ToView(long instanceBytes)
    {
        long reclaimable = 0;
        foreach (var i in Instances)
        {
            if (i.Idle)
            {
                reclaimable += instanceBytes;
            }
        }

        return new NodeView(Id, CapacityBytes, UsedBytes, reclaimable, _memoryTier, DiskTier, Instances.Count, NoLabels) { FunctionInstances = _byFunction };
    }
}
