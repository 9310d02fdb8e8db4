using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Tracing;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Runtime.Instances;

/// <summary>
/// Everything one node (silo) runs: its instances, its memory budget, its artifact tiers and its eviction policy.
/// One per silo in that silo's container (no process-wide state), reached from other silos through its NodeGrain.
/// </summary>
public sealed partial class NodeHost : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IInferenceEngine> _engines;
    private readonly IPolicyCatalog _policies;
    private readonly IEvictionPolicy _eviction;
    private readonly StokeNodeOptions _options;
    private readonly TimeProvider _time;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger<NodeHost> _logger;
    private readonly Lock _memoryGate = new();
    private long _reservedBytes;

    public NodeHost(
        IOptions<StokeNodeOptions> options, NodeIdentity identity, IEnumerable<IInferenceEngine> engines, IPolicyCatalog policies,
        NodeArtifacts artifacts, TimeProvider time, RuntimeMetrics metrics, ILogger<NodeHost> logger)
    {
        _options = options.Value;
        NodeId = identity.NodeId;
        _engines = engines.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);
        _policies = policies;
        _eviction = policies.CreateEviction(_options.Eviction);
        _time = time;
        _metrics = metrics;
        _logger = logger;
        Artifacts = artifacts;
        Streams = CreateStreamTable(time);
        metrics.Meter.CreateObservableGauge("stoke.instances", ObserveInstances, "{instance}", "Instances on this node by state.");
        metrics.Meter.CreateObservableGauge("stoke.node.memory.used", () => Interlocked.Read(ref _reservedBytes), "By", "Memory held by instances.");
        metrics.Meter.CreateObservableGauge("stoke.node.memory.capacity", () => _options.MemoryBytes, "By", "Memory budget for instances.");
        metrics.Meter.CreateObservableGauge("stoke.artifact.memory_tier.used", () => MemoryTier.UsedBytes, "By", "Bytes in the memory artifact tier.");
        metrics.Meter.CreateObservableGauge("stoke.artifact.disk_tier.used", () => Artifacts.Disk.UsedBytes, "By", "Bytes in the disk artifact tier.");
        RegisterGenerationGauges(metrics);
    }

    public string NodeId { get; }

    /// <summary>The node's artifact tiers (memory, disk, repository) and its peers.</summary>
    public NodeArtifacts Artifacts { get; }

    public ArtifactRepository Repository => Artifacts.Repository;

    public MemoryTier MemoryTier => Artifacts.Memory;

    /// <summary>Called when this node evicts an instance, so its function stops routing to it.</summary>
    public Func<InstanceSnapshot, Task>? OnEvicted { get; set; }

    /// <summary>Called when a request on an instance finishes, with the instance's function, version, id and requests still in flight.</summary>
    public Action<string, int, string, int>? OnRequestDone { get; set; }

    public IInferenceEngine Engine(string name) =>
        _engines.TryGetValue(name, out var engine)
            ? engine
            : throw new StokeException(StokeErrorKind.BadRequest, $"Unknown engine '{name}'. Known engines: {string.Join(", ", _engines.Keys)}.");

    /// <summary>Runs one request on a ready instance of this node.</summary>
    public async Task<InstanceInvocation> InvokeAsync(string instanceId, InferenceRequest request, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (_instances.TryGetValue(instanceId, out var generative) && generative.Session is IGenerativeSession)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"{generative.Spec.Name} is a language model: use /v1/completions or /v1/chat/completions.");
        }

        if (!_instances.TryGetValue(instanceId, out var instance) || instance.Phase != InstancePhase.Ready || instance.Batcher is null)
        {
            throw new InstanceGoneException(instanceId);
        }

        instance.Enter();
        using var activity = RuntimeTracing.Start(RuntimeTracing.NodeInvoke, instance.Spec);
        activity?.SetTag(RuntimeTracing.InstanceId, instanceId).SetTag(RuntimeTracing.NodeId, NodeId);
        try
        {
            var result = await instance.Batcher.EnqueueAsync(request, deadline, cancellationToken);
            return request.Then is { } then ? await ThenAsync(then, result, cancellationToken) : result;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
        finally
        {
            Done(instance);
        }
    }

    /// <summary>Runs the pipeline steps fused into calls on this node's instances; null on a node without pipelines.</summary>
    public IFusedSteps? FusedSteps { get; set; }

    // The fused step runs here, beside the instance, while the request still counts as in flight on it.
    private async Task<InstanceInvocation> ThenAsync(FusedStepRef then, InstanceInvocation result, CancellationToken cancellationToken)
    {
        var steps = FusedSteps ?? throw new StokeException(
            StokeErrorKind.Internal, $"Node {NodeId} cannot run pipeline step '{then.Step}' of {then.Pipeline} fused into a call: it has no pipeline runtime.");
        return result with { Outputs = await steps.RunAsync(then, result.Outputs, cancellationToken) };
    }

    /// <summary>Requests in flight on one of this node's instances, or null when the instance is not here.</summary>
    public int? InFlightOf(string instanceId) => _instances.TryGetValue(instanceId, out var instance) ? instance.InFlight : null;

    /// <summary>The exact load of this node's instances of a function version, for its controller's tick.</summary>
    public Abstractions.Routing.InstanceLoad[] LoadOf(string functionKey, int version) =>
        [.. _instances.Values.Where(i => i.Spec.Key == functionKey && i.Spec.Version == version).Select(i => i.Load())];

    private void Done(Instance instance)
    {
        var now = _time.GetUtcNow();
        instance.Leave(now);
        lock (_memoryGate)
        {
            _eviction.OnUse(Candidate(instance), now);
        }

        OnRequestDone?.Invoke(instance.Spec.Key, instance.Spec.Version, instance.Id, instance.InFlight);
    }

    /// <summary>Drains an instance (requests already queued finish) and frees its memory.</summary>
    public async Task StopInstanceAsync(string instanceId, string reason)
    {
        if (!_instances.TryRemove(instanceId, out var instance))
        {
            return;
        }

        if (instance.Stop())
        {
            // Still loading: its loader frees the session and the memory when the load returns.
            lock (_memoryGate)
            {
                _eviction.OnRemoved(instanceId);
            }

            return;
        }

        if (instance.Batcher is { } batcher)
        {
            await batcher.DisposeAsync();
        }

        await EndStreamsAsync(instance, reason);

        await DisposeSessionAsync(instance);
        instance.Phase = InstancePhase.Gone;
        lock (_memoryGate)
        {
            _eviction.OnRemoved(instanceId);
        }

        Release(instance.MemoryBytes);
        Log.InstanceStopped(_logger, instanceId, instance.Spec.Key, reason);
    }

    public NodeSnapshot Snapshot()
    {
        var instances = _instances.Values.Select(i => i.Snapshot(NodeId)).ToArray();
        var reclaimable = instances.Where(i => i.Phase == InstancePhase.Ready && i.InFlight == 0).Sum(i => i.MemoryBytes);
        return new NodeSnapshot(
            NodeId, _options.MemoryBytes, Interlocked.Read(ref _reservedBytes), reclaimable,
            [.. MemoryTier.Contents().Union(LoadedArtifacts(), StringComparer.Ordinal)],
            [.. Artifacts.Disk.Contents()], instances, new Dictionary<string, string>(_options.Labels), MemoryTier.UsedBytes, Artifacts.Disk.UsedBytes);
    }

    public IReadOnlyList<InstanceSnapshot> InstancesOf(string functionKey, int version) =>
        _instances.Values.Where(i => i.Spec.Key == functionKey && i.Spec.Version == version).Select(i => i.Snapshot(NodeId)).ToList();

    private string[] LoadedArtifacts() => _instances.Values.Select(i => i.Spec.Artifact.Sha256).Distinct().ToArray();

    private async Task ReserveAsync(string functionKey, long bytes)
    {
        List<Instance> victims;
        lock (_memoryGate)
        {
            var free = _options.MemoryBytes - _reservedBytes;
            if (bytes <= free)
            {
                _reservedBytes += bytes;
                return;
            }

            var idle = _instances.Values.Where(i => i.Phase == InstancePhase.Ready && i.InFlight == 0).ToList();
            var chosen = _eviction.ChooseVictims(idle.Select(Candidate).ToList(), bytes - free, _time.GetUtcNow());
            if (chosen.Count == 0)
            {
                throw new StokeException(
                    StokeErrorKind.Overloaded,
                    $"Node {NodeId} has {free >> 20} MiB free and no idle instance to evict for {functionKey} ({bytes >> 20} MiB).",
                    TimeSpan.FromSeconds(1));
            }

            victims = idle.Where(i => chosen.Contains(i.Id)).ToList();
            foreach (var v in victims)
            {
                v.Phase = InstancePhase.Draining;
            }

            // Reserve now: the victims' memory is ours as soon as they have drained.
            _reservedBytes += bytes;
        }

        foreach (var victim in victims)
        {
            var snapshot = victim.Snapshot(NodeId);
            await StopInstanceAsync(victim.Id, $"evicted for {functionKey}");
            if (OnEvicted is { } notify)
            {
                await notify(snapshot);
            }
        }
    }

    private void Release(long bytes) => Interlocked.Add(ref _reservedBytes, -bytes);

    private static EvictionCandidate Candidate(Instance i) => new(
        i.Id, i.Spec.Key, i.MemoryBytes, i.LastUsed, i.Uses, TimeSpan.FromMilliseconds(i.ColdStart?.TotalMs ?? 0));

    private IEnumerable<System.Diagnostics.Metrics.Measurement<int>> ObserveInstances()
    {
        foreach (var phase in Enum.GetValues<InstancePhase>())
        {
            var count = _instances.Values.Count(i => i.Phase == phase);
            yield return new(count, new KeyValuePair<string, object?>(MetricTags.InstanceState, phase.ToString().ToLowerInvariant()));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _instances.Keys.ToList())
        {
            await StopInstanceAsync(id, "node stopping");
        }

        Streams.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Instance {InstanceId} of {Function} v{Version} ready from {Tier}: fetch {FetchMs:F1} ms, session {SessionMs:F1} ms, first run {FirstRunMs:F1} ms")]
        public static partial void InstanceReady(ILogger logger, string instanceId, string function, int version, string tier, double fetchMs, double sessionMs, double firstRunMs);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Instance {InstanceId} of {Function} failed to start")]
        public static partial void InstanceFailed(ILogger logger, string instanceId, string function, Exception exception);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Instance {InstanceId} of {Function} stopped: {Reason}")]
        public static partial void InstanceStopped(ILogger logger, string instanceId, string function, string reason);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Warm-up run of {Function} skipped: {Reason}")]
        public static partial void WarmUpSkipped(ILogger logger, string function, string reason);
    }
}

/// <summary>This node's id: its silo address, so a NodeGrain with this key is placed on this silo.</summary>
public sealed record NodeIdentity(string NodeId);
