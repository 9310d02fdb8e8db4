using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Simulator.Results;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

/// <summary>
/// What the predictive autoscaler claims over KPA (docs/policies.md), each on a workload built for the claim: it
/// pre-provisions for a periodic burst, it sizes a bursty function's headroom from its burstiness, and it does not
/// buy that with much more capacity where the load is steady. Every run ticks the controller as the server does
/// (<see cref="SimulationOptions.ServerControlLoop"/>): the periodic-burst detector learns from the ticks a function
/// makes while it is quiet, which the simulator's default sleep skips.
/// </summary>
public sealed class AutoscalerComparisonTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch.AddMinutes(1);

    private static SimulationOptions Run(string autoscaler, Func<IEnumerable<TraceRequest>> workload, TimeSpan keepAlive, int maxInstances = 16) => new()
    {
        Label = autoscaler,
        Workload = workload,
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions
        {
            Autoscaler = autoscaler, TargetConcurrency = 4, MaxInstances = maxInstances, KeepAliveTtl = keepAlive, MaxQueuedRequests = 10_000,
        },
        InstanceConcurrency = 4,
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(10)),
        Slo = TimeSpan.FromSeconds(5),
        ServerControlLoop = true,
    };

    private static (RunResult Kpa, RunResult Predictive) Compare(Func<string, SimulationOptions> options) =>
        (SimulationRunner.Run(options(PolicyNames.Kpa)).Total, SimulationRunner.Run(options(PolicyNames.Predictive)).Total);

    [Fact]
    public void PredictiveMeetsAPeriodicBurstWithTheInstancesItStartedBeforeIt()
    {
        // A cron-like job: every 2 minutes, 8 s of 20 req/s (1 s each: 5 instances' worth), 15 times. The burst is
        // shorter than a load, so capacity started when it arrives comes too late for it: only capacity started
        // before the onset helps. The 2-minute keep-alive keeps one instance (and the control loop) between bursts.
        var (kpa, predictive) = Compare(a => Run(a, () => PeriodicBursts(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(8), ratePerSecond: 20, bursts: 15), TimeSpan.FromMinutes(2)));

        Assert.True(predictive.SloAttainment > kpa.SloAttainment, $"SLO attainment: predictive {predictive.SloAttainment:P1}, KPA {kpa.SloAttainment:P1}");
    }

    [Fact]
    public void OnBurstyTrafficPredictiveMissesTheSloHalfAsOftenOnFewerInstanceSeconds()
    {
        // ServeGen m-small, 12 clients, 30 minutes: Weibull-clustered arrivals (docs/simulator.md, section 2), where
        // KPA sizes for the mean and reacts to each burst with instances that arrive after it. The documented runs
        // have the predictive missing the SLO 2 to 4 times less often than KPA, on fewer instance-hours.
        var (kpa, predictive) = Compare(a => Run(a, ServeGen, TimeSpan.FromMinutes(5), maxInstances: 64));

        var (kpaMisses, predictiveMisses) = (1 - kpa.SloAttainment!.Value, 1 - predictive.SloAttainment!.Value);
        Assert.True(
            predictiveMisses <= kpaMisses / 2 && predictive.InstanceSeconds < kpa.InstanceSeconds,
            $"SLO missed: predictive {predictiveMisses:P2} in {predictive.InstanceSeconds:0} instance-s, KPA {kpaMisses:P2} in {kpa.InstanceSeconds:0}");
    }

    [Fact]
    public void OnSteadyTrafficPredictiveSpendsAtMostAThirdMoreThanKpa()
    {
        // Poisson 6 req/s for 30 minutes. The predictive's headroom is one deviation of its rate forecast's error;
        // for Poisson counts per 2 s tick that is sqrt(12)/2 = 1.7 req/s, 29% of the rate: provisioning for it where
        // KPA sizes for the mean costs at most about a third more (the bound follows from the design, not a run).
        var (kpa, predictive) = Compare(a => Run(a, () => Poisson(ratePerSecond: 6, TimeSpan.FromMinutes(30), seed: 1), TimeSpan.FromMinutes(5)));

        Assert.True(predictive.InstanceSeconds <= kpa.InstanceSeconds * 1.3, $"instance-seconds: predictive {predictive.InstanceSeconds:0}, KPA {kpa.InstanceSeconds:0}");
    }

    private static IEnumerable<TraceRequest> PeriodicBursts(TimeSpan period, TimeSpan length, double ratePerSecond, int bursts)
    {
        var perBurst = (int)(length.TotalSeconds * ratePerSecond);
        for (var b = 0; b < bursts; b++)
        {
            for (var i = 0; i < perBurst; i++)
            {
                yield return new TraceRequest(Start + (period * b) + TimeSpan.FromSeconds(i / ratePerSecond), "cron", TimeSpan.FromSeconds(1));
            }
        }
    }

    private static IEnumerable<TraceRequest> Poisson(double ratePerSecond, TimeSpan length, int seed)
    {
        var rng = new Random(seed);
        for (var t = Gap(rng, ratePerSecond); t < length.TotalSeconds; t += Gap(rng, ratePerSecond))
        {
            yield return new TraceRequest(Start + TimeSpan.FromSeconds(t), "api", TimeSpan.FromSeconds(1));
        }
    }

    private static double Gap(Random rng, double ratePerSecond) => -Math.Log(1 - rng.NextDouble()) / ratePerSecond;

    private static IEnumerable<TraceRequest> ServeGen() => ServeGenTraceReader.Read(
        TracePaths.ServeGenSmall,
        new ServeGenOptions { Start = TimeSpan.FromHours(36), Duration = TimeSpan.FromMinutes(30), RateScale = 0.05, MaxClients = 12 });
}
