using System.Globalization;
using Stoke.Abstractions.Policies;

namespace Stoke.Simulator.Engine;

// The nodes: what placement sees of them, and what a node does when asked to start an instance (make room by its
// eviction policy, as NodeHost does, then load) or to stop one.
internal sealed partial class Simulation
{
    private readonly List<SimNode> _nodes = [];
    private readonly Dictionary<string, SimNode> _nodesById = new(StringComparer.Ordinal);
    private readonly List<NodeView> _views = [];
    private long _instanceOrdinal;
    private long _viewCalls;

    private void CreateNodes()
    {
        var nodeBytes = (long)(_options.NodeMemoryGb * (1L << 30));
        for (var i = 0; i < _options.Nodes; i++)
        {
            var node = new SimNode("node-" + i.ToString(CultureInfo.InvariantCulture), nodeBytes, _instanceBytes, _catalog.CreateEviction(_options.Eviction));
            _nodes.Add(node);
            _nodesById.Add(node.Id, node);
        }
    }

    /// <summary>
    /// The nodes a function's placement chooses from: all of them in a small cluster; in a large one (more than
    /// <see cref="SimulationOptions.PlacementCandidates"/>) the nodes that already hold its artifact plus a random
    /// sample of the others, as large schedulers probe a few nodes instead of all.
    /// </summary>
    internal IReadOnlyList<NodeView> NodeViews(SimFunction f)
    {
        _views.Clear();
        var limit = _options.PlacementCandidates;
        if (_nodes.Count <= limit)
        {
            foreach (var n in _nodes)
            {
                _views.Add(n.View());
            }

            return _views;
        }

        // Each node is taken once: a node already among this call's candidates carries its number.
        var call = _viewCalls++;
        foreach (var instance in f.Instances)
        {
            if (_views.Count < limit / 2 && instance.Node.SampledFor != call)
            {
                instance.Node.SampledFor = call;
                _views.Add(instance.Node.View());
            }
        }

        for (var tries = 0; _views.Count < limit && tries < 4 * limit; tries++)
        {
            var node = _nodes[_rng.Next(_nodes.Count)];
            if (node.SampledFor != call)
            {
                node.SampledFor = call;
                _views.Add(node.View());
            }
        }

        return _views;
    }

    /// <summary>The node starts an instance: it evicts idle instances of other functions if it must, then loads.</summary>
    internal SimInstance? Place(SimFunction f, string instanceId, string nodeId)
    {
        var now = _clock.NowTicks;
        var node = _nodesById[nodeId];
        var free = node.CapacityBytes - node.UsedBytes;
        if (free < _instanceBytes)
        {
            var candidates = new List<EvictionCandidate>();
            foreach (var i in node.Instances)
            {
                if (i.Idle && i.Function != f)
                {
                    candidates.Add(i.ToCandidate(_instanceBytes));
                }
            }

            foreach (var id in node.Eviction.ChooseVictims(candidates, _instanceBytes - free, Now))
            {
                var victim = Find(node, id);
                if (victim is { Idle: true })
                {
                    HandInQuietTicks(victim.Function);
                    Remove(victim, evicted: true);
                    victim.Function.Controller.InstanceEvicted(victim.Id, "evicted by " + node.Eviction.Name + " for " + f.Name);
                }
            }

            if (node.CapacityBytes - node.UsedBytes < _instanceBytes)
            {
                // The controller learns of it as the grain would: after the call, not inside it.
                Schedule(now, new SimEvent(SimEventKind.StartFailed, f, new SimInstance(instanceId, f, node, now, TimeSpan.Zero, "", _instanceOrdinal++), 0));
                return null;
            }
        }

        var load = _options.LoadTime.Sample(_rng);
        var tier = node.DiskTier.Contains(f.Name) ? "disk" : "repository";
        var instance = new SimInstance(instanceId, f, node, now, load, tier, _instanceOrdinal++);
        node.Add(instance, now);
        Schedule(now + load.Ticks, new SimEvent(SimEventKind.LoadDone, f, instance, 0));
        return instance;
    }

    /// <summary>Stops an instance (released, evicted, or the run ended) and charges its lifetime.</summary>
    internal void Remove(SimInstance instance, bool evicted)
    {
        if (instance.Gone)
        {
            return;
        }

        var now = _clock.NowTicks;
        var f = instance.Function;
        if (instance.Idle)
        {
            f.IdleSeconds += (now - instance.IdleSinceTicks) / TicksPerSecond;
        }

        instance.BeGone();
        f.InstanceSeconds += (now - instance.CreatedTicks) / TicksPerSecond;
        f.Forget(instance);
        instance.Node.Remove(instance, now);
        instance.Node.Eviction.OnRemoved(instance.Id);
        if (evicted)
        {
            f.Evictions++;
        }
    }

    private static SimInstance? Find(SimNode node, string instanceId)
    {
        foreach (var i in node.Instances)
        {
            if (string.Equals(i.Id, instanceId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return null;
    }
}
