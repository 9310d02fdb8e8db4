using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

public sealed class AutoscalerComparisonTests
{
    private static SimulationOptions ServeGenBurst(string autoscaler) => new()
    {
        Label = autoscaler,
        Workload = () => ServeGenTraceReader.Read(
            TracePaths.ServeGenSmall,
            new ServeGenOptions { Start = TimeSpan.FromHours(36), Duration = TimeSpan.FromMinutes(30), RateScale = 0.05, MaxClients = 12 }),
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { Autoscaler = autoscaler, TargetConcurrency = 4, MaxInstances = 64, MaxQueuedRequests = 10_000 },
        InstanceConcurrency = 4,
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(10)),
        Slo = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void PredictiveAndKpaRunDifferentInstanceCountsOnTheSameBurstyWorkload()
    {
        var kpa = SimulationRunner.Run(ServeGenBurst(PolicyNames.Kpa));
        var predictive = SimulationRunner.Run(ServeGenBurst(PolicyNames.Predictive));

        Assert.Equal(kpa.Total.Requests, predictive.Total.Requests);
        Assert.NotEqual(kpa.Total.InstanceSeconds, predictive.Total.InstanceSeconds);
    }
}
