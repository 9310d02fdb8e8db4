using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

/// <summary>
/// Skipping the quiet ticks of functions with nothing in flight is a speed-up only: a replay with it gives the same
/// report, per function and per request, as one that ticks every function every interval.
/// </summary>
public sealed class QuietTickTests
{
    // Many functions with a long idle tail (most of their ticks are quiet), KPA, and nodes small enough to evict.
    private static SimulationOptions Run(bool skip, int nodeMemoryGb) => new()
    {
        Label = "quiet",
        Workload = new WorkloadSource { Kind = TraceKind.Synthetic, SyntheticFunctions = 60, SyntheticRequests = 30_000, SyntheticPeriod = TimeSpan.FromHours(2) }.Open,
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { TargetConcurrency = 0.25, MaxInstances = 8, KeepAliveTtl = TimeSpan.FromMinutes(5) },
        InstanceMemoryGb = 1,
        Nodes = 4,
        NodeMemoryGb = nodeMemoryGb,
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(2)),
        RecordRequests = true,
        SkipQuietTicks = skip,
    };

    [Theory]
    [InlineData(256)]
    [InlineData(8)]
    public void SkippingQuietTicksChangesNoResult(int nodeMemoryGb)
    {
        var ticked = SimulationRunner.Run(Run(skip: false, nodeMemoryGb));
        var skipped = SimulationRunner.Run(Run(skip: true, nodeMemoryGb));

        Assert.True(ticked.Total.InstanceStarts > 0 && ticked.Requests.Count == ticked.Total.Completed);
        Assert.Equal(ticked.Total, skipped.Total);
        Assert.Equal(ticked.Functions, skipped.Functions);
        Assert.Equal(ticked.Requests, skipped.Requests);
    }
}
