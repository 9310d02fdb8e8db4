using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Policies;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;

namespace Stoke.Runtime.Cluster;

/// <summary>
/// This node's view of the cluster's nodes: which are active and reachable, and what each holds (capacity, artifacts,
/// instances) as of its last snapshot. Snapshots of other nodes are refreshed every control interval, each with its own
/// short timeout, so one dead node never stalls placement or status. The data plane marks a node unreachable the
/// moment a call to it fails at the transport level, seconds before Orleans' membership votes it dead; the node is
/// trusted again when it answers a probe.
/// </summary>
public sealed partial class ClusterView : IDisposable
{
    private readonly IClusterMembershipService _membership;
    private readonly IGrainFactory _grains;
    private readonly NodeHost _local;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterView> _logger;
    private readonly TimeSpan _probeTimeout;
    private readonly ConcurrentDictionary<string, NodeSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _unreachable = new(StringComparer.Ordinal);
    private readonly TimeSpan _interval;
    private ITimer? _timer;
    private int _refreshing;
    private volatile ActiveMembersAt _active = new(MembershipVersion.MinValue, []);

    public ClusterView(IClusterMembershipService membership, IGrainFactory grains, NodeHost local, IOptions<StokeNodeOptions> options, TimeProvider time, ILogger<ClusterView> logger)
    {
        _membership = membership;
        _grains = grains;
        _local = local;
        _time = time;
        _logger = logger;
        _probeTimeout = options.Value.PeerTimeout;
        _interval = options.Value.ControlInterval;
    }

    /// <summary>Takes the first snapshots and starts refreshing them every control interval (the silo calls this once it is active).</summary>
    public async Task StartAsync()
    {
        await RefreshAsync();
        _timer ??= _time.CreateTimer(_ => _ = RefreshAsync(), null, _interval, _interval);
    }

    public string LocalNodeId => _local.NodeId;

    /// <summary>Active members that are not known unreachable, this node first.</summary>
    public IReadOnlyList<string> ReachableNodes()
    {
        var nodes = new List<string> { _local.NodeId };
        foreach (var id in ActiveMembers())
        {
            if (id != _local.NodeId && !_unreachable.ContainsKey(id))
            {
                nodes.Add(id);
            }
        }

        return nodes;
    }

    /// <summary>True when calls to the node failed and it has not answered since, or it left the cluster.</summary>
    public bool IsUnreachable(string nodeId) =>
        nodeId != _local.NodeId && (_unreachable.ContainsKey(nodeId) || !IsActive(nodeId));

    /// <summary>True when the node is no longer an active member (it left, or the membership declared it dead).</summary>
    public bool HasLeft(string nodeId) => nodeId != _local.NodeId && !IsActive(nodeId);

    /// <summary>A call to the node failed at the transport level: stop routing and placing there until it answers again.</summary>
    public void Suspect(string nodeId, string reason)
    {
        if (nodeId != _local.NodeId && _unreachable.TryAdd(nodeId, reason))
        {
            Log.Unreachable(_logger, nodeId, reason);
        }
    }

    /// <summary>What placement sees: this node now, the others as of their last snapshot; unreachable ones left out.</summary>
    public List<NodeView> NodeViews()
    {
        var views = new List<NodeView> { _local.Snapshot().ToView() };
        var missing = false;
        foreach (var id in ReachableNodes())
        {
            if (id == _local.NodeId)
            {
                continue;
            }

            if (_snapshots.TryGetValue(id, out var snapshot))
            {
                views.Add(snapshot.ToView());
            }
            else
            {
                missing = true;
            }
        }

        if (missing)
        {
            // A node that just joined: look at it now rather than at the next refresh.
            _ = RefreshAsync();
        }

        return views;
    }

    /// <summary>Fresh snapshots of the reachable nodes (each within the probe timeout), for a placement about to happen.</summary>
    public Task RefreshReachableAsync() =>
        Task.WhenAll(ActiveMembers().Where(id => id != _local.NodeId && (!_unreachable.ContainsKey(id) || !_snapshots.ContainsKey(id))).Select(ProbeAsync));

    /// <summary>
    /// Probes the active nodes this view has never had a snapshot of (they just joined; a probe during their start
    /// may have failed), so placement sees them. A node seen before and now silent is left to the periodic refresh.
    /// </summary>
    public Task RefreshMissingAsync()
    {
        var missing = ActiveMembers().Where(id => id != _local.NodeId && !_snapshots.ContainsKey(id)).ToList();
        return missing.Count == 0 ? Task.CompletedTask : Task.WhenAll(missing.Select(ProbeAsync));
    }

    /// <summary>
    /// Fresh snapshots of every active node for the status API, each within the probe timeout; the ids of the nodes
    /// that did not answer come back apart.
    /// </summary>
    public async Task<(NodeSnapshot[] Nodes, string[] Unreachable)> SnapshotsAsync()
    {
        var ids = ActiveMembers().Where(id => id != _local.NodeId).ToList();
        var answers = await Task.WhenAll(ids.Select(ProbeAsync));
        var nodes = new List<NodeSnapshot> { _local.Snapshot() };
        nodes.AddRange(answers.Where(a => a is not null)!);
        return ([.. nodes], [.. ids.Where((_, i) => answers[i] is null)]);
    }

    private async Task RefreshAsync()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        try
        {
            var active = ActiveMembers().Where(id => id != _local.NodeId).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _snapshots.Keys.Where(k => !active.Contains(k)).ToList())
            {
                _snapshots.TryRemove(gone, out _);
                _unreachable.TryRemove(gone, out _);
            }

            await Task.WhenAll(active.Select(ProbeAsync));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.RefreshFailed(_logger, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    // One node's snapshot within the timeout; a node that answers is reachable again.
    private async Task<NodeSnapshot?> ProbeAsync(string nodeId)
    {
        try
        {
            var snapshot = await _grains.GetGrain<INodeGrain>(nodeId).Snapshot().WaitAsync(_probeTimeout, _time);
            _snapshots[nodeId] = snapshot;
            if (_unreachable.TryRemove(nodeId, out _))
            {
                Log.Reachable(_logger, nodeId);
            }

            return snapshot;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Suspect(nodeId, ex is TimeoutException ? $"no answer within {_probeTimeout.TotalMilliseconds:F0} ms" : ex.GetType().Name);
            return null;
        }
    }

    private IEnumerable<string> ActiveMembers() => ActiveSet();

    private bool IsActive(string nodeId) => ActiveSet().Contains(nodeId);

    // The active members' ids, recomputed only when the membership changes (this is on the request path).
    private HashSet<string> ActiveSet()
    {
        var snapshot = _membership.CurrentSnapshot;
        var cached = _active;
        if (cached.Version == snapshot.Version)
        {
            return cached.Ids;
        }

        var ids = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress.ToParsableString()).ToHashSet(StringComparer.Ordinal);
        _active = new ActiveMembersAt(snapshot.Version, ids);
        return ids;
    }

    private sealed record ActiveMembersAt(MembershipVersion Version, HashSet<string> Ids);

    public void Dispose() => _timer?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = "Node {NodeId} is unreachable ({Reason}): not routing or placing there until it answers")]
        public static partial void Unreachable(ILogger logger, string nodeId, string reason);

        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Node {NodeId} answers again")]
        public static partial void Reachable(ILogger logger, string nodeId);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Refreshing the cluster view failed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string reason);
    }
}
