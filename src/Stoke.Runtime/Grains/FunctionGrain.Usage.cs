using Stoke.Abstractions.Routing;
using Stoke.Abstractions.Usage;
using Stoke.Runtime.Ledger;

namespace Stoke.Runtime.Grains;

// Metering: the nodes' load reports and usage batches, applied once each and persisted before they are acknowledged.
internal sealed partial class FunctionGrain
{
    /// <summary>The usage meter's state name.</summary>
    internal const string MeteringState = "metering";

    /// <summary>
    /// States that may start empty when their file is corrupt: the meter's totals restart from zero (the error is
    /// logged and the file kept aside), since serving a function must never depend on its meter.
    /// </summary>
    internal static readonly IReadOnlySet<string> RestartableStates = new HashSet<string>(StringComparer.Ordinal) { MeteringState };

    // Usage answered on any node since the last tick, so a read after a request sees it.
    public async Task<UsageSummary> Usage()
    {
        await RefreshUsageAsync();
        DeactivateIfDormant();
        return usage.State.Summary!;
    }

    private async Task RefreshUsageAsync()
    {
        var pulls = cluster.ReachableNodes().Select(async node =>
        {
            var acknowledged = _acknowledged.GetValueOrDefault(node);
            try
            {
                var batches = node == localNode.NodeId
                    ? localTraffic.Usage(_spec.Key, _spec.Version, acknowledged)
                    : await grains.GetGrain<INodeGrain>(node).Usage(_spec.Key, _spec.Version, acknowledged).WaitAsync(nodeOptions.Value.PeerTimeout, time);
                return (Node: node, Batches: batches);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                cluster.Suspect(node, "no usage: " + ex.GetType().Name);
                return (Node: node, Batches: Array.Empty<UsageBatch>());
            }
        });
        foreach (var (node, batches) in await Task.WhenAll(pulls))
        {
            Apply(node, batches);
        }

        await PersistUsageAsync();
    }

    // The usage as of the last successful append to the tenant's ledger, with the batches it includes per node.
    public async Task<LedgeredUsage> Ledgered()
    {
        await RefreshUsageAsync();
        DeactivateIfDormant();
        return _ledgered;
    }

    // Applied batches go to the tenant's ledger first, then into this version's state, and only then are they
    // acknowledged: a store that is down keeps them unacknowledged, and the nodes hold them until both writes succeed.
    // The grain is reentrant: what is captured before the awaits is exactly what the writes cover.
    private async Task PersistUsageAsync()
    {
        if (_appliedVersion == _persistedVersion)
        {
            return;
        }

        var version = _appliedVersion;
        var pending = _unledgered.ToArray();
        var snapshot = new LedgeredUsage(usage.State.Summary!, new Dictionary<string, long>(usage.State.Applied));
        try
        {
            if (pending.Length > 0)
            {
                await grains.GetGrain<ITenantLedgerGrain>(_spec.Tenant).Append(pending);
                // By identity, not by count: a reentrant persist may have taken (and removed) some of them meanwhile.
                _unledgered.RemoveAll(e => Array.IndexOf(pending, e) >= 0);
            }

            if (version > _ledgeredVersion)
            {
                _ledgered = snapshot;
                _ledgeredVersion = version;
            }

            await usage.WriteStateAsync();
            if (version > _persistedVersion)
            {
                _persistedVersion = version;
                _acknowledged = snapshot.Applied;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.UsageWriteFailed(logger, _spec.Key, _spec.Version, ex.Message);
        }
    }

    // Every reachable node's report, each within the peer timeout: a dead node costs one timeout, not the tick.
    private async Task<List<NodeLoadReport>> PullReportsAsync()
    {
        var routes = _controller.Routes;
        var nodes = cluster.ReachableNodes();
        var pulls = nodes.Select(async node =>
        {
            var acknowledged = _acknowledged.GetValueOrDefault(node);
            if (node == localNode.NodeId)
            {
                return localTraffic.Report(_spec.Key, _spec.Version, acknowledged, routes);
            }

            try
            {
                return await grains.GetGrain<INodeGrain>(node).Report(_spec.Key, _spec.Version, acknowledged, routes).WaitAsync(nodeOptions.Value.PeerTimeout, time);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                cluster.Suspect(node, "no load report: " + ex.GetType().Name);
                return null;
            }
        });
        return [.. (await Task.WhenAll(pulls)).OfType<NodeLoadReport>()];
    }

    // Each node's usage batches are applied once (by sequence number) and acknowledged by the next pull.
    private void Apply(string node, UsageBatch[] batches)
    {
        foreach (var batch in batches.OrderBy(b => b.Sequence))
        {
            if (batch.Sequence > usage.State.Applied.GetValueOrDefault(node))
            {
                usage.State.Summary = usage.State.Summary!.Plus(batch.Usage);
                usage.State.Applied[node] = batch.Sequence;
                _unledgered.Add(new LedgerEntry { Function = _spec.Name, Version = _spec.Version, Node = node, Sequence = batch.Sequence, Usage = batch.Usage });
                _appliedVersion++;
            }
        }
    }
}

/// <summary>A function version's billed usage, and the last usage batch applied from each node (so none counts twice).</summary>
[GenerateSerializer]
public sealed class FunctionUsageState
{
    [Id(0)] public UsageSummary? Summary { get; set; }

    [Id(1)] public Dictionary<string, long> Applied { get; set; } = [];
}
