using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Policies;
using Stoke.Simulator.Results;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

public sealed class SimulationTests
{
    // The first 3,000 requests of GenTD26 (about two days, ~40 models).
    private static SimulationOptions GenTd26(TimeSpan ttl, int seed = 1) => new()
    {
        Label = $"fixed {ttl.TotalMinutes}m",
        Workload = () => GenTd26TraceReader.Read(TracePaths.GenTd26).Take(3000),
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { KeepAlive = PolicyNames.FixedKeepAlive, KeepAliveTtl = ttl, TargetConcurrency = 1, DefaultDeadline = TimeSpan.FromMinutes(10) },
        LoadTime = GenTd26TraceReader.ReadLoadLatencies(TracePaths.GenTd26),
        Slo = TimeSpan.FromSeconds(60),
        Seed = seed,
    };

    [Fact]
    public void OneMinuteTtlHasMoreColdStartsThanSixtyMinuteTtl()
    {
        var short_ = SimulationRunner.Run(GenTd26(TimeSpan.FromMinutes(1)));
        var long_ = SimulationRunner.Run(GenTd26(TimeSpan.FromMinutes(60)));

        Assert.True(short_.Total.ColdStarts > long_.Total.ColdStarts, $"{short_.Total.ColdStarts} vs {long_.Total.ColdStarts}");
    }

    [Fact]
    public void OneMinuteTtlWastesLessMemoryThanSixtyMinuteTtl()
    {
        var short_ = SimulationRunner.Run(GenTd26(TimeSpan.FromMinutes(1)));
        var long_ = SimulationRunner.Run(GenTd26(TimeSpan.FromMinutes(60)));

        Assert.True(short_.Total.WastedGbSeconds < long_.Total.WastedGbSeconds, $"{short_.Total.WastedGbSeconds} vs {long_.Total.WastedGbSeconds}");
    }

    [Fact]
    public void EveryRequestIsAccountedForAsCompletedOrFailed()
    {
        var report = SimulationRunner.Run(GenTd26(TimeSpan.FromMinutes(5)));

        Assert.Equal(3000, report.Total.Requests);
        Assert.Equal(report.Total.Requests, report.Total.Completed + report.Total.Failed);
    }

    [Fact]
    public void SameSeedGivesTheSameReport()
    {
        var a = SimulationRunner.Run(GenTd26(TimeSpan.FromMinutes(10), seed: 7));
        var b = SimulationRunner.Run(GenTd26(TimeSpan.FromMinutes(10), seed: 7));

        Assert.Equal(a.Total, b.Total);
    }

    [Fact]
    public void ColdStartDelayIsIncludedInLatency()
    {
        // One request to an idle function: its latency is the load time plus its execution time.
        var options = new SimulationOptions
        {
            Workload = () => [new TraceRequest(DateTimeOffset.UnixEpoch.AddHours(1), "f", TimeSpan.FromSeconds(2))],
            Catalog = _ => new PolicyCatalog(),
            LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(20)),
        };

        var report = SimulationRunner.Run(options);

        Assert.Equal(1, report.Total.ColdStarts);
        Assert.InRange(report.Total.P50Ms, 21_700, 22_300);
    }

    [Fact]
    public void FullNodeEvictsAnIdleInstanceOfAnotherFunction()
    {
        // Room for one 8 GB instance: the second function's cold start must evict the first's idle instance.
        var options = new SimulationOptions
        {
            Workload = () =>
            [
                new TraceRequest(DateTimeOffset.UnixEpoch.AddSeconds(10), "a", TimeSpan.FromSeconds(1)),
                new TraceRequest(DateTimeOffset.UnixEpoch.AddSeconds(100), "b", TimeSpan.FromSeconds(1)),
            ],
            Catalog = _ => new PolicyCatalog(),
            NodeMemoryGb = 10,
            Scaling = new ScalingOptions { KeepAliveTtl = TimeSpan.FromHours(1) },
        };

        var report = SimulationRunner.Run(options);

        Assert.Equal(1, report.Functions.Single(f => f.Function == "a").Evictions);
    }
}
