using Stoke.Abstractions.Policies;

namespace Stoke.Simulator.Engine;

/// <summary>A node with a memory budget, its instances, its artifact tiers and its own eviction policy state.</summary>
internal sealed class SimNode(string id, long capacityBytes, long instanceBytes, IEvictionPolicy eviction)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
    private readonly Dictionary<string, int> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byFunction = new(StringComparer.Ordinal);
    private readonly HashSet<string> _memoryTier = new(StringComparer.Ordinal);
    private int _idle;
    private long _awakeSince;
    private NodeView? _view;

    public string Id { get; } = id;

    public long CapacityBytes { get; } = capacityBytes;

    public long UsedBytes { get; private set; }

    public IEvictionPolicy Eviction { get; } = eviction;

    /// <summary>The node's instances in the order they were placed (eviction sees them so); each removed in O(1).</summary>
    public LinkedList<SimInstance> Instances { get; } = new();

    /// <summary>Artifacts this node has loaded before (its disk tier), for locality-aware placement.</summary>
    public HashSet<string> DiskTier { get; } = new(StringComparer.Ordinal);

    /// <summary>Marks the node as already among the candidates of one placement (<see cref="Simulation.NodeViews"/>).</summary>
    public long SampledFor { get; set; } = -1;

    /// <summary>Virtual time the node held at least one instance (awake; the rest of the run it may sleep).</summary>
    public long AwakeTicks { get; private set; }

    public void Add(SimInstance instance, long nowTicks)
    {
        if (Instances.Count == 0)
        {
            _awakeSince = nowTicks;
        }

        instance.NodeEntry = Instances.AddLast(instance);
        UsedBytes += instanceBytes;
        DiskTier.Add(instance.Function.Name);
        _loaded[instance.Function.Name] = _loaded.GetValueOrDefault(instance.Function.Name) + 1;
        _byFunction[instance.Function.Key] = _byFunction.GetValueOrDefault(instance.Function.Key) + 1;
        _memoryTier.Add(instance.Function.Name);
    }

    public void Remove(SimInstance instance, long nowTicks)
    {
        Instances.Remove(instance.NodeEntry!);
        instance.NodeEntry = null;
        if (Instances.Count == 0)
        {
            AwakeTicks += nowTicks - _awakeSince;
        }

        UsedBytes -= instanceBytes;
        var key = instance.Function.Key;
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

    /// <summary>An instance on the node became idle (+1) or stopped being idle (-1).</summary>
    public void IdleChanged(int delta)
    {
        _idle += delta;
    }

    /// <summary>
    /// The node as placement sees it, rebuilt only when one of its numbers changed (an instance that goes busy and
    /// idle again changes none); the artifact sets and counts by function are live (placement reads them at once).
    /// </summary>
    public NodeView View()
    {
        var idleBytes = _idle * instanceBytes;
        if (_view is not { } view || view.MemoryUsedBytes != UsedBytes || view.ReclaimableBytes != idleBytes || view.Instances != Instances.Count)
        {
            _view = view = new NodeView(Id, CapacityBytes, UsedBytes, idleBytes, _memoryTier, DiskTier, Instances.Count, NoLabels) { FunctionInstances = _byFunction };
        }

        return view;
    }
}
