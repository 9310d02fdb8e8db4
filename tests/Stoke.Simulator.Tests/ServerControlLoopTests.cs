using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

public sealed class ServerControlLoopTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Arrivals at 0 s and 5 s, keep-alive 90 s (past KPA's 60 s stable window): the instance expires at 95 s, between the 94 s and 96 s ticks.
    private static SimulationOptions Run(bool serverLoop) => new()
    {
        Workload = () => [new TraceRequest(T0, "f", TimeSpan.Zero), new TraceRequest(T0.AddSeconds(5), "f", TimeSpan.Zero)],
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { KeepAliveTtl = TimeSpan.FromSeconds(90), TargetConcurrency = 1 },
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.Zero),
        TickInterval = TimeSpan.FromSeconds(2),
        ServerControlLoop = serverLoop,
        RecordDecisions = true,
    };

    [Fact]
    public void ServerLoopReleasesOnTheTickAfterExpiry()
    {
        var report = SimulationRunner.Run(Run(serverLoop: true));

        var stop = Assert.Single(report.Decisions, d => d.Kind == "stop");
        Assert.Equal(T0.AddSeconds(96), stop.At);
    }

    [Fact]
    public void EventDrivenLoopReleasesAtTheExactExpiry()
    {
        var report = SimulationRunner.Run(Run(serverLoop: false));

        var stop = Assert.Single(report.Decisions, d => d.Kind == "stop");
        Assert.Equal(T0.AddSeconds(95), stop.At);
    }

    [Fact]
    public void DecisionsAreNotKeptUnlessAsked()
    {
        var report = SimulationRunner.Run(Run(serverLoop: true) with { RecordDecisions = false });

        Assert.Empty(report.Decisions);
    }
}
