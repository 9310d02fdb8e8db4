using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Policies;

namespace Stoke.Control.Controller;

// Instances come and go: placement, starts, readiness, failures, losses, draining.
public sealed partial class FunctionController<THeld>
{
    private static readonly TimeSpan DrainingShownFor = TimeSpan.FromSeconds(30);

    /// <summary>The instance finished loading: it is routable, and held requests may run on it.</summary>
    public void InstanceReady(string instanceId, ColdStartReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (Find(instanceId) is not { Phase: InstancePhase.Loading } instance)
        {
            return;
        }

        instance.Phase = InstancePhase.Ready;
        instance.ColdStart = report;
        instance.LastUsed = _time.GetUtcNow();
        _loadTimes.Add(TimeSpan.FromMilliseconds(report.TotalMs));
        _lastStartError = null;
        _coldStartsByTier[report.Tier] = _coldStartsByTier.GetValueOrDefault(report.Tier) + 1;
        if (Recording)
        {
            Record("ready", instanceId, Text($"on {instance.NodeId} from {report.Tier} in {report.TotalMs:F0} ms (fetch {report.FetchMs:F0}, session {report.SessionCreateMs:F0}, first run {report.FirstRunMs:F0})"));
        }

        Publish();
        DispatchHeld();
    }

    /// <summary>
    /// The instance could not start. A <paramref name="permanent"/> failure (the artifact does not load) fails the
    /// held requests now instead of letting them run into their deadlines; others (no room) are retried by the next tick.
    /// </summary>
    public void InstanceStartFailed(string instanceId, string reason, bool permanent)
    {
        if (Find(instanceId) is not { } instance)
        {
            return;
        }

        _instances.Remove(instance);
        _lastStartError = reason;
        Record("start-failed", instanceId, reason);
        if (permanent)
        {
            foreach (var held in _held.TakeAll())
            {
                _port.Refuse(held.Request, new StokeException(StokeErrorKind.Internal, $"Instance of {_spec.Name} failed to start: {reason}"));
            }

            UpdateHolding();
        }
    }

    /// <summary>The instance went away under the controller (evicted, its node died or forgot it): stop routing to it.</summary>
    public void InstanceLost(string instanceId, string reason)
    {
        if (Find(instanceId) is not { } instance)
        {
            return;
        }

        var wasReady = instance.Phase == InstancePhase.Ready;
        _instances.Remove(instance);
        Record("gone", instanceId, reason);
        if (wasReady)
        {
            Publish();
        }
    }

    /// <summary>
    /// Its node evicted the instance to make room for another function: stop routing to it, and start no replacement
    /// for the autoscaler or the keep-alive window until a request arrives. Restarting at once would evict the other
    /// function in turn, and two functions on a full node would take turns cold-starting.
    /// </summary>
    public void InstanceEvicted(string instanceId, string reason)
    {
        if (Find(instanceId) is null)
        {
            return;
        }

        InstanceLost(instanceId, reason);
        _evictedAt = _time.GetUtcNow();
    }

    /// <summary>A draining instance has been stopped by its node.</summary>
    public void InstanceStopped(string instanceId) => _draining.RemoveAll(i => string.Equals(i.Id, instanceId, StringComparison.Ordinal));

    /// <summary>
    /// Takes over an instance that already runs (this controller restarted: its node died, or it was collected).
    /// </summary>
    public void Adopt(InstanceSnapshot instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (Find(instance.InstanceId) is not null || instance.Phase is not (InstancePhase.Loading or InstancePhase.Ready))
        {
            return;
        }

        _instances.Add(new ControlledInstance(instance.InstanceId, instance.NodeId, _time.GetUtcNow())
        {
            Phase = instance.Phase,
            ColdStart = instance.ColdStart,
            InFlight = instance.InFlight,
            LastUsed = instance.LastUsed,
        });
        Record("adopted", instance.InstanceId, () => Text($"{instance.Phase.ToString().ToLowerInvariant()} on {instance.NodeId}"));
        if (instance.Phase == InstancePhase.Ready)
        {
            Publish();
        }
    }

    // The start-on-hold rule: a held request starts one instance unless one is already loading (or the function is at its maximum).
    private void StartForHeld(string reason)
    {
        _tenantCapped = false;
        if (!AnyLoading && _instances.Count < MaxInstances)
        {
            TryStart(reason, null);
        }
    }

    private int MaxInstances => Math.Max(_spec.Scaling.MaxInstances, _spec.Scaling.MinInstances);

    // Places a new instance and asks the host to start it; false when no node can take it (the reason is kept).
    private bool TryStart(string reason, List<NodeView>? nodes)
    {
        IReadOnlyList<NodeView> views = nodes ?? _port.Nodes();
        if (AtTenantCap(views))
        {
            return false;
        }

        // The spec never changes, so neither does what placement is asked: built once, not per start.
        var request = _placementRequest ??= new PlacementRequest(_key, _spec.Artifact.Sha256, InstanceMemoryBytes, _spec.Labels);
        var nodeId = _placement.ChooseNode(request, views);
        if (nodeId is null)
        {
            var error = NoNodeFits(request, views);
            _lastStartError = error;
            Record("start-failed", null, error);
            return false;
        }

        _shadow?.LiveStarted();
        var id = _port.NewInstanceId();
        _instances.Add(new ControlledInstance(id, nodeId, _time.GetUtcNow()));
        if (Recording)
        {
            Record("start", id, Text($"on {nodeId}: {reason}"));
        }

        if (nodes is not null)
        {
            // Several starts in one tick: the next placement sees this one's memory as taken.
            var index = nodes.FindIndex(n => string.Equals(n.NodeId, nodeId, StringComparison.Ordinal));
            var counts = new Dictionary<string, int>(nodes[index].FunctionInstances, StringComparer.Ordinal);
            counts[_key] = counts.GetValueOrDefault(_key) + 1;
            nodes[index] = nodes[index] with
            {
                MemoryUsedBytes = nodes[index].MemoryUsedBytes + InstanceMemoryBytes,
                Instances = nodes[index].Instances + 1,
                FunctionInstances = counts,
            };
        }

        _port.StartInstance(id, nodeId);
        return true;
    }

    private long InstanceMemoryBytes => Math.Max(_spec.InstanceMemoryBytes, _spec.Artifact.SizeBytes);

    // Say which constraint failed: no node carries the function's labels, or none has the memory.
    private string NoNodeFits(PlacementRequest request, IReadOnlyList<NodeView> nodes)
    {
        if (nodes.Count == 0)
        {
            return "no node is reachable";
        }

        var labelled = nodes.Where(n => request.Labels.All(l => n.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        if (labelled.Count == 0)
        {
            return "no node carries the labels " + string.Join(", ", request.Labels.Select(l => $"{l.Key}={l.Value}")) + $" that {_spec.Name} asks for";
        }

        return Text($"no node has {request.MemoryBytes >> 20} MiB free for {_spec.Name}");
    }

    // No longer routed to; the host stops it. It shows as draining until its node confirms (or for a while).
    private void Drain(ControlledInstance instance, string reason)
    {
        var wasReady = instance.Phase == InstancePhase.Ready;
        instance.Phase = InstancePhase.Draining;
        instance.DrainingSince = _time.GetUtcNow();
        _instances.Remove(instance);
        _draining.Add(instance);
        Record("stop", instance.Id, reason);
        if (wasReady)
        {
            Publish();
        }

        _port.StopInstance(instance.Id, instance.NodeId, reason);
    }

    private void ForgetOldDraining(DateTimeOffset now)
    {
        // A loop, not RemoveAll with a lambda: this runs every tick, and the lambda's closure would allocate each time.
        for (var i = _draining.Count - 1; i >= 0; i--)
        {
            if (now - _draining[i].DrainingSince > DrainingShownFor)
            {
                _draining.RemoveAt(i);
            }
        }
    }
}
