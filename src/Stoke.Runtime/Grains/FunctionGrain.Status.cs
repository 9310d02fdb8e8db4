using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Grains;

// What the controller reports (GET /api/status, the dashboard), and why an idle one goes away after reporting.
internal sealed partial class FunctionGrain
{
    public async Task<FunctionStatus> Status()
    {
        await RefreshUsageAsync();
        DeactivateIfDormant();
        return CurrentStatus();
    }

    // A controller activated only to answer for its status, usage or ledger (the dashboard polls every function's),
    // with nothing running, held or unsaved and nothing learned, goes when the call ends: an idle function costs its
    // stored spec, not a live controller (issue 9). One that served keeps its policies' history until Orleans
    // collects it.
    private void DeactivateIfDormant()
    {
        if (!_used && _ticker is null && _controller.Instances.Count == 0 && _controller.Draining.Count == 0 && _controller.HeldCount == 0
            && _appliedVersion == _persistedVersion && _unledgered.Count == 0)
        {
            DeactivateOnIdle();
        }
    }

    private FunctionStatus CurrentStatus() => new()
    {
        Function = _spec.Key,
        Version = _spec.Version,
        Instances = [.. _controller.Instances.Concat(_controller.Draining).Select(Snapshot)],
        Held = _controller.HeldCount,
        InFlight = _controller.Instances.Sum(i => i.InFlight) + _controller.HeldCount,
        RequestsPerSecond = _statistics.RequestsPerSecond,
        P50Ms = _statistics.P50Ms,
        P99Ms = _statistics.P99Ms,
        MeanBatchSize = _statistics.MeanBatchSize,
        ColdStartsByTier = new Dictionary<string, long>(_controller.ColdStartsByTier),
        RecentDecisions = [.. _decisions.ToArray().Select(d => d.ToScalingEvent())],
        DesiredInstances = _controller.LastDecision?.Target ?? _controller.Instances.Count,
        Panicking = _controller.LastDecision?.Scale.Panicking ?? false,
        Requests = usage.State.Summary!.Requests,
        ControllerNode = localNode.NodeId,
        Shadow = _controller.Shadow,
    };
}
