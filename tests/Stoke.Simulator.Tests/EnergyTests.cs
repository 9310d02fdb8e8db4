using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Usage;
using Stoke.Policies;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

public sealed class EnergyTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch.AddHours(1);

    private static readonly EnergyModel Power = new() { WattsPerCore = 10, WattsPerGb = 1, NodeIdleWatts = 100, NodeSleepWatts = 5 };

    [Fact]
    public void OneRequestOnOneNodeCostsItsCoresMemoryAndTheNodesAwakeAndAsleepTime()
    {
        // Loads 10 s, runs 2 s, kept 1 min after it: 72 s of instance life, 12 s of it busy; the node is awake exactly
        // as long. The run lasts from the arrival to the instance's release; a second node sleeps all along.
        var report = SimulationRunner.Run(new SimulationOptions
        {
            Workload = () => [new TraceRequest(T0, "f", TimeSpan.FromSeconds(2))],
            Catalog = _ => new PolicyCatalog(),
            Scaling = new ScalingOptions { KeepAlive = PolicyNames.FixedKeepAlive, KeepAliveTtl = TimeSpan.FromMinutes(1) },
            LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(10)),
            Nodes = 2,
            InstanceMemoryGb = 4,
            CoresPerInstance = 2,
            Energy = Power,
        });

        var life = report.Total.InstanceSeconds;
        var run = report.VirtualDuration.TotalSeconds;
        Assert.InRange(life, 70, 76);
        Assert.Equal(life, report.Total.NodeAwakeSeconds, 6);
        var instance = (12 * 2 * 10) + (life * 4 * 1);
        var nodes = (life * 100) + (((2 * run) - life) * 5);
        Assert.Equal(instance + nodes, report.Total.EnergyJoules, 3);
        Assert.Equal(instance, report.Functions.Single().EnergyJoules, 3);
    }

    [Fact]
    public void ConsolidatingKeepsNodesAsleepThatSpreadingWakes()
    {
        // A burst that needs four instances of one function at once, on four nodes with room for all four each.
        var burst = Enumerable.Range(0, 16).Select(i => new TraceRequest(T0, "f", TimeSpan.FromSeconds(30))).ToList();
        SimulationOptions Options(string placement) => new()
        {
            Workload = () => burst,
            Catalog = _ => new PolicyCatalog(),
            Scaling = new ScalingOptions { TargetConcurrency = 4, MaxInstances = 4, KeepAliveTtl = TimeSpan.FromMinutes(5) },
            Nodes = 4,
            NodeMemoryGb = 64,
            InstanceMemoryGb = 8,
            Placement = placement,
            Energy = Power,
        };

        var spread = SimulationRunner.Run(Options(PolicyNames.BestFit));
        var packed = SimulationRunner.Run(Options(PolicyNames.EnergyAware));

        Assert.Equal(spread.Total.Completed, packed.Total.Completed);
        Assert.Equal(spread.Total.InstanceStarts, packed.Total.InstanceStarts);
        Assert.True(spread.Total.InstanceStarts > 1, "the burst must need more than one instance");
        // Best fit puts each instance of the function on its own node (each node is awake for its one instance's life);
        // energy-aware keeps them on one, awake while any of them lives.
        Assert.Equal(spread.Total.InstanceSeconds, spread.Total.NodeAwakeSeconds, 3);
        Assert.True(packed.Total.NodeAwakeSeconds < packed.Total.InstanceSeconds * 0.75, $"{packed.Total.NodeAwakeSeconds} of {packed.Total.InstanceSeconds}");
        Assert.True(packed.Total.EnergyJoules < spread.Total.EnergyJoules, $"{packed.Total.EnergyJoules} vs {spread.Total.EnergyJoules}");
        Assert.Equal(spread.Total.P99Ms, packed.Total.P99Ms);
    }
}
