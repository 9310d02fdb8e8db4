using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Policies.Control;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Runtime.Grains;

// The activator lives on the node where its function's traffic first arrives: one hop fewer for that gateway.
[Reentrant]
[PreferLocalPlacement]
internal sealed partial class FunctionGrain(
    [PersistentState("usage", StokeStorage.Name)] IPersistentState<UsageSummary> usage,
    IGrainFactory grains,
    IPolicyCatalog policies,
    IClusterMembershipService membership,
    NodeHost localNode,
    IOptions<StokeNodeOptions> nodeOptions,
    TimeProvider time,
    ILogger<FunctionGrain> logger) : Grain, IFunctionGrain
{
    private const int DecisionLogSize = 64;
    private const int RecentRecordCapacity = 1000;
    private readonly Dictionary<string, RoutedInstance> _instances = new(StringComparer.Ordinal);
    private readonly LinkedList<HeldRequest> _held = new();
    private readonly LinkedList<ScalingEvent> _decisions = new();
    private readonly LatencyWindow _latency = new(time);
    private readonly Queue<UsageRecord> _recentRecords = new();
    private readonly Dictionary<string, long> _coldStartsByTier = new(StringComparer.Ordinal);
    private FunctionSpec _spec = null!;
    private InstanceCountController _controller = null!;
    private IPlacementPolicy _placement = null!;
    private ITimer? _ticker;
    private bool _retired;
    private bool _usageDirty;
    private int _inFlight;
    private double _concurrencyArea;
    private long _concurrencyMark;
    private long _lastTick;
    private long _arrivals;
    private long _idleTicks;
    private TimeSpan _loadTime;
    private string? _lastStartError;
    private ControlDecision? _lastDecision;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (tenant, name, version) = FunctionVersionKey.Parse(this.GetPrimaryKeyString());
        _spec = await grains.GetGrain<IFunctionRegistryGrain>(tenant).Get(name, version)
            ?? throw new StokeException(StokeErrorKind.NotFound, $"Function {name} version {version} does not exist.");
        _controller = new InstanceCountController(_spec.Scaling, policies.CreateAutoscaler(_spec), policies.CreateKeepAlive(_spec));
        _placement = policies.CreatePlacement(nodeOptions.Value.Placement);
        _concurrencyMark = _lastTick = time.GetTimestamp();
        usage.State = usage.State with { Tenant = tenant, Function = name, Version = version };
        await AdoptExistingInstancesAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _ticker?.Dispose();
        if (_usageDirty)
        {
            await usage.WriteStateAsync(cancellationToken);
        }
    }

    public async Task<InvokeOutcome> Invoke(InferenceRequest request, DateTimeOffset deadline)
    {
        var arrived = Admit();
        try
        {
            var wait = new ColdStartWait();
            for (var attempt = 0; ; attempt++)
            {
                var instance = await PickOrHoldAsync(deadline, wait);
                instance.InFlight++;
                try
                {
                    // An instance on this grain's own node is called directly: one Orleans hop fewer on the hot path.
                    var result = instance.NodeId == localNode.NodeId
                        ? await localNode.InvokeAsync(instance.Id, request, deadline, CancellationToken.None)
                        : await grains.GetGrain<INodeGrain>(instance.NodeId!).Invoke(instance.Id, request, deadline);
                    var record = Record(request, result, arrived, wait.Ms, wait.Tier);
                    return new InvokeOutcome(result.Outputs, record);
                }
                catch (InstanceGoneException) when (attempt < 3)
                {
                    // Inference is idempotent: the instance went away under us, so retry on another.
                    Forget(instance.Id, "gone while serving");
                }
                catch (Exception ex) when (attempt < 3 && NodeFailed(instance, ex))
                {
                    // Its node died or left the cluster: the request is retried on another instance, never dropped.
                    Forget(instance.Id, $"its node {instance.NodeId} failed ({ex.GetType().Name})");
                }
                finally
                {
                    instance.InFlight--;
                    instance.LastUsed = time.GetUtcNow();
                }
            }
        }
        catch (StokeException ex) when (ex.Kind != StokeErrorKind.BadRequest)
        {
            RecordFailure();
            throw;
        }
        finally
        {
            ChangeInFlight(-1);
        }
    }

    // Every request, tensor or generation, enters here: it counts as an arrival and as in flight from now on.
    private long Admit()
    {
        if (_retired)
        {
            throw new StokeException(StokeErrorKind.NotFound, $"Function {_spec.Name} was deleted.");
        }

        EnsureTicking();
        _arrivals++;
        _controller.OnArrival(time.GetUtcNow());
        ChangeInFlight(+1);
        return time.GetTimestamp();
    }

    public Task<FunctionStatus> Status() => Task.FromResult(new FunctionStatus
    {
        Function = _spec.Key,
        Version = _spec.Version,
        Instances = _instances.Values.Select(i => i.Snapshot(_spec)).ToArray(),
        Held = _held.Count,
        InFlight = _inFlight,
        RequestsPerSecond = _latency.RequestsPerSecond(),
        P50Ms = _latency.Percentile(0.50),
        P99Ms = _latency.Percentile(0.99),
        MeanBatchSize = _latency.MeanBatchSize(),
        ColdStartsByTier = new Dictionary<string, long>(_coldStartsByTier),
        RecentDecisions = _decisions.ToArray(),
        DesiredInstances = _lastDecision?.Target ?? _instances.Count,
        Panicking = _lastDecision?.Scale.Panicking ?? false,
        Requests = usage.State.Requests,
    });

    public Task<UsageSummary> Usage() => Task.FromResult(usage.State);

    public Task<UsageRecord[]> RecentUsage(int limit) => Task.FromResult(_recentRecords.Reverse().Take(Math.Max(0, limit)).ToArray());

    // Per-request records since activation, newest last, bounded: the aggregate is what is persisted and billed.
    private void Meter(UsageRecord record)
    {
        usage.State = usage.State.Add(record);
        _usageDirty = true;
        _recentRecords.Enqueue(record);
        if (_recentRecords.Count > RecentRecordCapacity)
        {
            _recentRecords.Dequeue();
        }
    }

    public async Task Retire()
    {
        _retired = true;
        foreach (var held in _held)
        {
            held.Ready.TrySetException(new StokeException(StokeErrorKind.NotFound, $"Function {_spec.Name} was deleted."));
        }

        _held.Clear();
        foreach (var instance in _instances.Values.ToList())
        {
            await StopAsync(instance, "function deleted");
        }

        await usage.ClearStateAsync();
        _usageDirty = false;
        DeactivateOnIdle();
    }

    public Task InstanceGone(string instanceId)
    {
        Forget(instanceId, "evicted by its node");
        return Task.CompletedTask;
    }

    public async Task Tick()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_lastTick, now);
        _lastTick = now;
        ChangeInFlight(0);
        ExpireLeases();
        ForgetInstancesOnDepartedNodes();
        var concurrency = elapsed > TimeSpan.Zero ? _concurrencyArea / elapsed.TotalSeconds : _inFlight;
        _concurrencyArea = 0;
        var states = _instances.Values.Where(i => i.Phase is InstancePhase.Loading or InstancePhase.Ready)
            .Select(i => new InstanceState(i.Id, i.Phase == InstancePhase.Ready, i.InFlight, i.LastUsed)).ToList();
        var signal = new ScaleSignal(
            time.GetUtcNow(), concurrency + _held.Count, _arrivals, _held.Count,
            states.Count(s => s.Ready), states.Count(s => !s.Ready), _loadTime);
        _arrivals = 0;
        var decision = _controller.Decide(signal, _inFlight, states);
        if (decision.Target != _lastDecision?.Target || decision.Start > 0 || decision.Release.Count > 0 || decision.Scale.Panicking != _lastDecision?.Scale.Panicking)
        {
            LogDecision("scale", decision.Reason);
        }

        _lastDecision = decision;
        for (var i = 0; i < decision.Start; i++)
        {
            StartInstance("autoscaler: " + decision.Scale.Reason);
        }

        foreach (var id in decision.Release)
        {
            if (_instances.TryGetValue(id, out var instance))
            {
                await StopAsync(instance, "released: " + decision.KeepAlive.Reason);
            }
        }

        if (_usageDirty)
        {
            _usageDirty = false;
            await usage.WriteStateAsync();
        }

        // A function with nothing running stops its loop, so thousands of idle functions cost nothing.
        _idleTicks = _instances.Count == 0 && _held.Count == 0 && _inFlight == 0 && _leases.Count == 0 ? _idleTicks + 1 : 0;
        if (_idleTicks >= 3)
        {
            _ticker?.Dispose();
            _ticker = null;
        }
    }

    // The router's one rule for every kind of request: the least busy ready instance, or hold for a cold start.
    private async Task<RoutedInstance> PickOrHoldAsync(DateTimeOffset deadline, ColdStartWait wait)
    {
        var instance = PickReady();
        if (instance is null)
        {
            var heldAt = time.GetTimestamp();
            instance = await HoldAsync(deadline);
            wait.Ms += time.GetElapsedTime(heldAt).TotalMilliseconds;
            wait.Tier = instance.ColdStart?.Tier;
        }

        return instance;
    }

    private RoutedInstance? PickReady()
    {
        RoutedInstance? best = null;
        foreach (var i in _instances.Values)
        {
            if (i.Phase == InstancePhase.Ready && (best is null || i.InFlight < best.InFlight))
            {
                best = i;
            }
        }

        return best;
    }

    private async Task<RoutedInstance> HoldAsync(DateTimeOffset deadline)
    {
        if (_held.Count >= _spec.Scaling.MaxQueuedRequests)
        {
            // Refuse, but start an instance all the same, so the client's retry finds one.
            if (!_instances.Values.Any(i => i.Phase == InstancePhase.Loading))
            {
                StartInstance("request refused with a full queue: starting an instance for the retry");
            }

            var retry = _loadTime > TimeSpan.Zero ? _loadTime : TimeSpan.FromSeconds(1);
            throw new StokeException(
                StokeErrorKind.Overloaded,
                $"Function {_spec.Name} has {_held.Count} requests waiting for an instance (limit {_spec.Scaling.MaxQueuedRequests}).",
                TimeSpan.FromSeconds(Math.Ceiling(retry.TotalSeconds)));
        }

        var held = new HeldRequest();
        var node = _held.AddLast(held);
        if (!_instances.Values.Any(i => i.Phase == InstancePhase.Loading))
        {
            StartInstance(_instances.Count == 0 ? "scale from zero: request arrived" : "request held: no ready instance");
        }

        var remaining = deadline - time.GetUtcNow();
        try
        {
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException();
            }

            return await held.Ready.Task.WaitAsync(remaining, time);
        }
        catch (TimeoutException)
        {
            var why = _lastStartError is null ? "the instance is still loading" : "the last start failed: " + _lastStartError;
            throw new StokeException(
                StokeErrorKind.DeadlineExceeded,
                $"Deadline expired while held for a cold start of {_spec.Name} v{_spec.Version} ({why}).");
        }
        finally
        {
            if (node.List is not null)
            {
                _held.Remove(node);
            }
        }
    }

    private void StartInstance(string reason)
    {
        var id = $"{_spec.Name}-v{_spec.Version}-{Guid.NewGuid().ToString("N")[..8]}";
        var instance = new RoutedInstance(id) { LastUsed = time.GetUtcNow() };
        _instances[id] = instance;
        LogDecision("start", $"{id}: {reason}");
        _ = StartAsync(instance);
    }

    private async Task StartAsync(RoutedInstance instance)
    {
        try
        {
            var nodes = await NodeViewsAsync();
            var request = new PlacementRequest(_spec.Key, _spec.Artifact.Sha256, Math.Max(_spec.InstanceMemoryBytes, _spec.Artifact.SizeBytes), _spec.Labels);
            var nodeId = _placement.ChooseNode(request, nodes)
                ?? throw NoNodeFits(request, nodes);
            instance.NodeId = nodeId;
            var report = await grains.GetGrain<INodeGrain>(nodeId).StartInstance(_spec, instance.Id);
            if (!_instances.ContainsKey(instance.Id) || _retired)
            {
                await grains.GetGrain<INodeGrain>(nodeId).StopInstance(instance.Id, "not needed any more");
                return;
            }

            instance.ColdStart = report;
            instance.Phase = InstancePhase.Ready;
            instance.LastUsed = time.GetUtcNow();
            _loadTime = TimeSpan.FromMilliseconds(report.TotalMs);
            _lastStartError = null;
            _coldStartsByTier[report.Tier] = _coldStartsByTier.GetValueOrDefault(report.Tier) + 1;
            LogDecision("ready", $"{instance.Id} on {nodeId} from {report.Tier} in {report.TotalMs:F0} ms (fetch {report.FetchMs:F0}, session {report.SessionCreateMs:F0}, first run {report.FirstRunMs:F0})");
            while (_held.First is { } first)
            {
                _held.RemoveFirst();
                first.Value.Ready.TrySetResult(instance);
            }
        }
        catch (Exception ex)
        {
            _instances.Remove(instance.Id);
            _lastStartError = ex.Message;
            LogDecision("start-failed", $"{instance.Id}: {ex.Message}");
            Log.StartFailed(logger, instance.Id, ex.Message);
            if (ex is StokeException { Kind: StokeErrorKind.Internal } or InvalidDataException)
            {
                // The artifact cannot load: fail held requests now instead of letting them run into their deadlines.
                while (_held.First is { } first)
                {
                    _held.RemoveFirst();
                    first.Value.Ready.TrySetException(new StokeException(StokeErrorKind.Internal, $"Instance of {_spec.Name} failed to start: {ex.Message}"));
                }
            }
        }
    }

    // Say which constraint failed: no node carries the function's labels, or none has the memory.
    private StokeException NoNodeFits(PlacementRequest request, List<NodeView> nodes)
    {
        var labelled = nodes.Where(n => request.Labels.All(l => n.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        if (labelled.Count == 0)
        {
            var wanted = string.Join(", ", request.Labels.Select(l => $"{l.Key}={l.Value}"));
            return new StokeException(StokeErrorKind.Overloaded, $"no node carries the labels {wanted} that {_spec.Name} asks for", TimeSpan.FromSeconds(5));
        }

        return new StokeException(StokeErrorKind.Overloaded, $"no node has {request.MemoryBytes >> 20} MiB free for {_spec.Name}", TimeSpan.FromSeconds(1));
    }

    private async Task StopAsync(RoutedInstance instance, string reason)
    {
        instance.Phase = InstancePhase.Draining;
        _instances.Remove(instance.Id);
        LogDecision("stop", $"{instance.Id}: {reason}");
        if (instance.NodeId is { } node)
        {
            try
            {
                await grains.GetGrain<INodeGrain>(node).StopInstance(instance.Id, reason);
            }
            catch (Exception ex)
            {
                Log.StopFailed(logger, instance.Id, ex.Message);
            }
        }
    }

    private bool NodeFailed(RoutedInstance instance, Exception ex) =>
        instance.NodeId is { } node && node != localNode.NodeId && (ex is SiloUnavailableException || !IsActiveNode(node));

    private bool IsActiveNode(string nodeId) => membership.CurrentSnapshot.Members.Values
        .Any(m => m.Status == SiloStatus.Active && m.SiloAddress.ToParsableString() == nodeId);

    // Instances on a node that left the cluster are gone with it; the autoscaler replaces them if still needed.
    private void ForgetInstancesOnDepartedNodes()
    {
        foreach (var instance in _instances.Values.Where(i => i.NodeId is { } n && !IsActiveNode(n)).ToList())
        {
            Forget(instance.Id, $"its node {instance.NodeId} left the cluster");
        }
    }

    private void Forget(string instanceId, string reason)
    {
        if (_instances.Remove(instanceId))
        {
            LogDecision("gone", $"{instanceId}: {reason}");
        }
    }

    private async Task<List<NodeView>> NodeViewsAsync()
    {
        var silos = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToList();
        var snapshots = await Task.WhenAll(silos.Select(s => grains.GetGrain<INodeGrain>(s).Snapshot()));
        return snapshots.Select(s => s.ToView()).ToList();
    }

    // After a restart of this grain (its silo died, or it was collected) the instances on nodes are still there.
    private async Task AdoptExistingInstancesAsync()
    {
        try
        {
            var silos = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress.ToParsableString());
            foreach (var silo in silos)
            {
                foreach (var snapshot in await grains.GetGrain<INodeGrain>(silo).InstancesOf(_spec.Key, _spec.Version))
                {
                    _instances[snapshot.InstanceId] = new RoutedInstance(snapshot.InstanceId)
                    {
                        NodeId = snapshot.NodeId,
                        Phase = snapshot.Phase,
                        ColdStart = snapshot.ColdStart,
                        LastUsed = snapshot.LastUsed,
                    };
                }
            }

            if (_instances.Count > 0)
            {
                EnsureTicking();
            }
        }
        catch (Exception ex)
        {
            Log.AdoptFailed(logger, _spec.Key, ex.Message);
        }
    }

    private UsageRecord Record(InferenceRequest request, InstanceInvocation result, long arrived, double coldStartMs, string? coldTier)
    {
        var totalMs = time.GetElapsedTime(arrived).TotalMilliseconds;
        var memoryMbSeconds = result.InstanceMemoryBytes / (1024.0 * 1024.0) * (result.ComputeMs / 1000.0) / Math.Max(1, result.BatchSize);
        var record = new UsageRecord
        {
            Tenant = _spec.Tenant,
            Function = _spec.Name,
            Version = _spec.Version,
            Node = result.NodeId,
            RequestId = request.Id,
            Timestamp = time.GetUtcNow(),
            QueueMs = Math.Max(0, totalMs - coldStartMs - result.ComputeMs),
            ColdStartMs = coldStartMs,
            ColdStartTier = coldTier,
            ComputeMs = result.ComputeMs,
            MemoryMbSeconds = memoryMbSeconds,
            BatchSize = result.BatchSize,
            Cost = (decimal)(memoryMbSeconds / 1024.0) * _spec.Pricing.PerGbSecond,
        };
        Meter(record);
        _latency.Add(totalMs, result.BatchSize);
        return record;
    }

    private void RecordFailure()
    {
        usage.State = usage.State with { Requests = usage.State.Requests + 1, Failures = usage.State.Failures + 1 };
        _usageDirty = true;
    }

    // Integrates in-flight requests over time, so the autoscaler sees average concurrency rather than a sample.
    private void ChangeInFlight(int delta)
    {
        var now = time.GetTimestamp();
        _concurrencyArea += _inFlight * time.GetElapsedTime(_concurrencyMark, now).TotalSeconds;
        _concurrencyMark = now;
        _inFlight += delta;
    }

    private void EnsureTicking()
    {
        _idleTicks = 0;
        if (_ticker is not null)
        {
            return;
        }

        var self = this.AsReference<IFunctionGrain>();
        var interval = nodeOptions.Value.ControlInterval;
        _lastTick = time.GetTimestamp();
        _ticker = time.CreateTimer(_ => _ = self.Tick(), null, interval, interval);
    }

    private void LogDecision(string kind, string detail)
    {
        _decisions.AddLast(new ScalingEvent(time.GetUtcNow(), kind, detail));
        if (_decisions.Count > DecisionLogSize)
        {
            _decisions.RemoveFirst();
        }

        Log.Decision(logger, _spec.Key, _spec.Version, kind, detail);
    }

    private sealed class ColdStartWait
    {
        public double Ms { get; set; }
        public string? Tier { get; set; }
    }

    private sealed class HeldRequest
    {
        public TaskCompletionSource<RoutedInstance> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class RoutedInstance(string id)
    {
        public string Id { get; } = id;
        public string? NodeId { get; set; }
        public InstancePhase Phase { get; set; } = InstancePhase.Loading;
        public int InFlight { get; set; }
        public DateTimeOffset LastUsed { get; set; }
        public ColdStartReport? ColdStart { get; set; }

        public InstanceSnapshot Snapshot(FunctionSpec spec) => new(
            Id, spec.Key, spec.Version, NodeId ?? "", Phase, InFlight, 0, spec.InstanceMemoryBytes, LastUsed, 0, ColdStart);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "{Function} v{Version} {Kind}: {Detail}")]
        public static partial void Decision(ILogger logger, string function, int version, string kind, string detail);

        [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Instance {InstanceId} failed to start: {Reason}")]
        public static partial void StartFailed(ILogger logger, string instanceId, string reason);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Stopping instance {InstanceId} failed: {Reason}")]
        public static partial void StopFailed(ILogger logger, string instanceId, string reason);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Could not look for existing instances of {Function}: {Reason}")]
        public static partial void AdoptFailed(ILogger logger, string function, string reason);
    }
}
