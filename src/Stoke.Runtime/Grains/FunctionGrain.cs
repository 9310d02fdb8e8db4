using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Runtime.Metrics;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Abstractions.Usage;
using Stoke.Control.Controller;
using Stoke.Control.Metering;
using Stoke.Runtime.Cluster;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Routing;
using Stoke.Runtime.Traffic;

namespace Stoke.Runtime.Grains;

/// <summary>
/// The Orleans adapter of one function version's <see cref="FunctionController{THeld}"/>: it turns grain calls into
/// controller calls, implements the controller's port with grain calls to nodes (<c>FunctionGrain.Port.cs</c>), runs
/// the tick on a <see cref="TimeProvider"/> timer, pulls the nodes' load reports, and persists the usage they carry.
/// It holds no control logic of its own.
/// </summary>
[Reentrant]
[PreferLocalPlacement]
internal sealed partial class FunctionGrain(
    [PersistentState(FunctionGrain.MeteringState, StokeStorage.Name)] IPersistentState<FunctionUsageState> usage,
    IGrainFactory grains,
    IPolicyCatalog policies,
    ClusterView cluster,
    NodeHost localNode,
    NodeRouter localRouter,
    NodeTraffic localTraffic,
    IOptions<StokeNodeOptions> nodeOptions,
    TimeProvider time,
    RuntimeMetrics metrics,
    IEnumerable<Quotas.ITenantInstanceCaps> tenantCaps,
    ILogger<FunctionGrain> logger) : Grain, IFunctionGrain
{
    private const int DecisionLogSize = 64;
    private readonly DecisionLog _decisions = new(DecisionLogSize);
    private FunctionController<TaskCompletionSource<Assignment>> _controller = null!;
    private FunctionStatistics _statistics = null!;
    private FunctionSpec _spec = null!;
    private ITimer? _ticker;
    private bool _used; // asked to serve or pre-warm, or found instances, since activation
    private readonly List<LedgerEntry> _unledgered = [];
    private long _appliedVersion; // batches applied since activation; _persistedVersion of them are written
    private long _persistedVersion;
    private long _ledgeredVersion;
    private LedgeredUsage _ledgered = null!;
    // What nodes may drop: the batches applied AND persisted (a failed write keeps them on their nodes).
    private Dictionary<string, long> _acknowledged = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (tenant, name, version) = FunctionVersionKey.Parse(this.GetPrimaryKeyString());
        if (await grains.GetGrain<IFunctionRegistryGrain>(tenant).Get(name, version) is not { } spec)
        {
            _missing = new StokeException(StokeErrorKind.NotFound, $"Function {name} version {version} does not exist.");
            return; // FunctionGrain.Missing.cs
        }

        _spec = spec;
        _statistics = new FunctionStatistics(time);
        _controller = new FunctionController<TaskCompletionSource<Assignment>>(
            _spec,
            ControllerPolicies.Create(policies, _spec, nodeOptions.Value.Placement),
            new Port(this),
            time,
            new ControllerOptions
            {
                Decisions = new LoggedDecisions(_decisions, logger, _spec),
                Epoch = time.GetUtcNow().UtcTicks,
                TenantMaxInstances = tenantCaps.Select(c => c.MaxInstances(tenant)).DefaultIfEmpty(0).Max(),
            });
        usage.State.Summary ??= new UsageSummary { Tenant = tenant, Function = name, Version = version };
        _acknowledged = new Dictionary<string, long>(usage.State.Applied);
        // What was persisted was appended to the ledger before it (the ledger may hold more: see PersistUsageAsync).
        _ledgered = new LedgeredUsage(usage.State.Summary, new Dictionary<string, long>(usage.State.Applied));
        await AdoptExistingInstancesAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _ticker?.Dispose();
        if (_missing is null)
        {
            await PersistUsageAsync();
        }
    }

    public async Task<AdmitReply> Admit(AdmitRequest request, CancellationToken cancellationToken)
    {
        _used = true;
        EnsureTicking();
        // A cold start places an instance: let placement see every node as it is now (its artifact tiers above all).
        if (_controller.WouldStartOnAdmit)
        {
            await cluster.RefreshReachableAsync();
        }
        var completion = new TaskCompletionSource<Assignment>(TaskCreationOptions.RunContinuationsAsynchronously);
        var routing = new RoutingContext(request.NodeId, request.AffinityKey, Random.Shared);
        var admission = _controller.Admit(completion, request.Deadline, routing, request.Observed);
        switch (admission.Kind)
        {
            case AdmissionKind.Refused:
                throw admission.Error!;
            case AdmissionKind.Routed:
                return Reply(admission.Assignment);
        }

        try
        {
            var remaining = request.Deadline - time.GetUtcNow();
            return Reply(await completion.Task.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, cancellationToken));
        }
        catch (TimeoutException)
        {
            _controller.Withdraw(admission.Held!);
            throw _controller.DeadlineExpired();
        }
        catch (OperationCanceledException)
        {
            _controller.Withdraw(admission.Held!);
            throw;
        }
    }

    public Task SlotFreed(string instanceId, int inFlight)
    {
        _controller.SlotFreed(instanceId, inFlight);
        return Task.CompletedTask;
    }

    public Task InstanceLost(string instanceId, string reason)
    {
        _controller.InstanceLost(instanceId, reason);
        return Task.CompletedTask;
    }

    public Task InstanceEvicted(string instanceId, string reason)
    {
        _controller.InstanceEvicted(instanceId, reason);
        return Task.CompletedTask;
    }

    public async Task<bool> Prewarm(string reason)
    {
        _used = true;
        EnsureTicking();
        if (_controller.WouldStartOnAdmit)
        {
            await cluster.RefreshReachableAsync();
        }

        return _controller.Prewarm(reason);
    }

    public async Task Retire()
    {
        // No tick after this one: a tick queued by the timer would otherwise activate the deleted version again.
        _ticker?.Dispose();
        _ticker = null;
        _controller.Retire("function deleted");
        localRouter.Remove(_spec.Key, _spec.Version);
        // The usage still on the nodes goes to the tenant's ledger, which keeps the billing history of a deleted function.
        await RefreshUsageAsync();
        localTraffic.Remove(_spec.Key, _spec.Version);
        if (_unledgered.Count == 0)
        {
            await usage.ClearStateAsync();
        }
        else
        {
            // The store refused the ledger's write: keep this version's metering state rather than lose what it holds.
            Log.UsageKeptAtDelete(logger, _spec.Key, _spec.Version, _unledgered.Count);
        }

        _persistedVersion = _appliedVersion;
        DeactivateOnIdle();
    }

    public async Task Tick()
    {
        await cluster.RefreshMissingAsync();
        var reports = await PullReportsAsync();
        _statistics.Add(reports);
        foreach (var report in reports)
        {
            Apply(report.NodeId, report.Usage);
        }

        // Instances on a node that left the cluster are gone with it; the autoscaler replaces them if still needed.
        foreach (var lost in _controller.Instances.Where(i => cluster.HasLeft(i.NodeId)).ToList())
        {
            _controller.InstanceLost(lost.Id, $"its node {lost.NodeId} left the cluster");
        }

        var shadowBefore = _controller.Shadow;
        var outcome = _controller.Tick(LoadSample.Sum(reports));
        if (shadowBefore is not null && _controller.Shadow is { } shadowNow)
        {
            metrics.RecordShadow(_spec, shadowBefore, shadowNow);
        }
        await PersistUsageAsync();
        if (!outcome.KeepTicking && !reports.Any(r => r.Usage.Length > 0))
        {
            _ticker?.Dispose();
            _ticker = null;
            if (outcome.WakeAt is { } wake)
            {
                // A pre-warm is due later: one tick then restarts the loop.
                var self = this.AsReference<IFunctionGrain>();
                _ticker = time.CreateTimer(_ => _ = self.Tick(), null, wake - time.GetUtcNow(), nodeOptions.Value.ControlInterval);
            }
        }
    }

    private AdmitReply Reply(in Assignment assignment) =>
        new(assignment.InstanceId, assignment.NodeId, assignment.Held.TotalMilliseconds, assignment.ColdStartTier, _controller.Routes);

    private Abstractions.Instances.InstanceSnapshot Snapshot(ControlledInstance i) => new(
        i.Id, _spec.Key, _spec.Version, i.NodeId, i.Phase, i.InFlight, i.QueueDepth, Math.Max(_spec.InstanceMemoryBytes, _spec.Artifact.SizeBytes), i.LastUsed, i.Uses, i.ColdStart);

    private void EnsureTicking()
    {
        if (_ticker is not null)
        {
            return;
        }

        var self = this.AsReference<IFunctionGrain>();
        var interval = nodeOptions.Value.ControlInterval;
        // The first Admit starts the ticker: its ticks must not carry that request's context (its trace) forever.
        using (ExecutionContext.SuppressFlow())
        {
            _ticker = time.CreateTimer(_ => _ = self.Tick(), null, interval, interval);
        }
    }

    // After a restart of this grain (its silo died, or it was collected) the instances on nodes are still there.
    private async Task AdoptExistingInstancesAsync()
    {
        foreach (var node in cluster.ReachableNodes())
        {
            try
            {
                var instances = node == localNode.NodeId
                    ? [.. localNode.InstancesOf(_spec.Key, _spec.Version)]
                    : await grains.GetGrain<INodeGrain>(node).InstancesOf(_spec.Key, _spec.Version).WaitAsync(nodeOptions.Value.PeerTimeout, time);
                foreach (var snapshot in instances)
                {
                    _controller.Adopt(snapshot);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.AdoptFailed(logger, _spec.Key, node, ex.Message);
            }
        }

        if (_controller.Instances.Count > 0)
        {
            _used = true;
            EnsureTicking();
        }
    }

    // The decision log the status API shows, and the structured log line of each decision.
    private sealed class LoggedDecisions(DecisionLog log, ILogger logger, FunctionSpec spec) : IDecisionSink
    {
        public void Record(in ControlEvent decision)
        {
            log.Record(decision);
            Log.Decision(logger, spec.Key, spec.Version, decision.Kind, decision.InstanceId is null ? decision.Detail : decision.InstanceId + ": " + decision.Detail);
        }
    }
}
