using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Simulator.Results;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

/// <summary>The <c>survival-ttl</c> keep-alive replayed against the fixed TTL it starts from.</summary>
public sealed class SurvivalKeepAliveReplayTests
{
    // 90 requests each: survival-ttl leaves the TTL only once that gains 0.02 cold starts per gap, so it learns over
    // the first few dozen gaps before it pays off.
    private const int Requests = 90;

    // Two functions, 90 requests each: "rare" every 2 hours (a 30-minute TTL never saves it a cold start), "regular"
    // every 40 minutes (the TTL ends 10 minutes before each request).
    private static IEnumerable<TraceRequest> TwoPatterns()
    {
        var start = DateTimeOffset.UnixEpoch;
        var rare = Enumerable.Range(0, Requests).Select(i => new TraceRequest(start + TimeSpan.FromHours(2 * i), "rare", TimeSpan.FromSeconds(1)));
        var regular = Enumerable.Range(0, Requests).Select(i => new TraceRequest(start + TimeSpan.FromMinutes(1 + (40 * i)), "regular", TimeSpan.FromSeconds(1)));
        return rare.Concat(regular).OrderBy(r => r.Arrival);
    }

    private static SimulationReport Replay(string keepAlive) => SimulationRunner.Run(new SimulationOptions
    {
        Label = keepAlive,
        Workload = TwoPatterns,
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { KeepAlive = keepAlive, KeepAliveTtl = TimeSpan.FromMinutes(30) },
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(10)),
    });

    [Fact]
    public void LearntKeepAlivesGiveFewerColdStartsAndLessIdleMemoryThanTheTtl()
    {
        var fixedTtl = Replay(PolicyNames.FixedKeepAlive);
        var survival = Replay(PolicyNames.SurvivalKeepAlive);

        // Fixed: all 180 requests are cold. Survival learns to keep "regular" past 40 minutes and to release "rare" early.
        Assert.Equal(2 * Requests, fixedTtl.Total.ColdStarts);
        Assert.True(survival.Total.ColdStarts < 100, $"{survival.Total.ColdStarts} cold starts");
        Assert.True(survival.Total.WastedGbSeconds < 0.9 * fixedTtl.Total.WastedGbSeconds, $"{survival.Total.WastedGbSeconds} vs {fixedTtl.Total.WastedGbSeconds} GB-s");
    }
}
