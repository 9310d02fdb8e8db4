using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.Autoscaling;

public sealed class PredictiveAutoscalerTests
{
    private static readonly ScalingOptions Options = new()
    {
        TargetConcurrency = 8,
        MaxInstances = 50,
        StableWindow = TimeSpan.FromSeconds(20),
        PanicWindow = TimeSpan.FromSeconds(6),
    };

    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(Specs.T0);
    private readonly IAutoscaler _kpa = Create(PolicyNames.Kpa);
    private readonly IAutoscaler _predictive = Create(PolicyNames.Predictive);

    private static IAutoscaler Create(string name) =>
        new PolicyCatalog().CreateAutoscaler(Specs.With(Options with { Autoscaler = name }));

    /// <summary>One second passes; both autoscalers see the same signal (service time 1 s: concurrency = arrivals).</summary>
    private (ScaleDecision Kpa, ScaleDecision Predictive) Tick(long arrivals)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        var signal = new ScaleSignal(_time.GetUtcNow(), arrivals, arrivals, 0, 1, 0, LoadTime);
        return (_kpa.Decide(signal), _predictive.Decide(signal));
    }

    /// <summary>Bursts of 40 concurrent requests for 5 s, every 60 s, starting at second 10.</summary>
    private static long PeriodicLoad(int second) => second >= 10 && (second - 10) % 60 < 5 ? 40 : 0;

    [Fact]
    public void HasInstancesUpBeforeAPeriodicBurstWhereKpaOnlyReacts()
    {
        (ScaleDecision Kpa, ScaleDecision Predictive) atSecond180 = default;
        for (int second = 1; second <= 180; second++)
        {
            var decisions = Tick(PeriodicLoad(second));
            if (second == 180)
            {
                atSecond180 = decisions;
            }
        }

        // The fourth burst starts at second 190; the load takes 10 s, so instances must be asked for by now.
        Assert.Equal(0, atSecond180.Kpa.DesiredInstances);
        Assert.Equal(5, atSecond180.Predictive.DesiredInstances);
        Assert.Contains("periodic", atSecond180.Predictive.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void KeepsThePrewarmedInstancesThroughTheBurst()
    {
        for (int second = 1; second < 190; second++)
        {
            Tick(PeriodicLoad(second));
        }

        for (int second = 190; second < 195; second++)
        {
            Assert.True(Tick(PeriodicLoad(second)).Predictive.DesiredInstances >= 5, $"second {second}");
        }
    }

    [Fact]
    public void DoesNotPrewarmBeforeThePatternIsEstablished()
    {
        for (int second = 1; second <= 129; second++)
        {
            var (kpa, predictive) = Tick(PeriodicLoad(second));
            // Just before the second and third bursts only one interval is known: nothing to predict from yet.
            if (second is >= 60 and < 70 or >= 120)
            {
                Assert.True(kpa.DesiredInstances == predictive.DesiredInstances, $"{second}: {kpa.Reason} / {predictive.Reason}");
            }
        }
    }

    [Fact]
    public void ScalesAheadOfARampByTheLoadTime()
    {
        (ScaleDecision Kpa, ScaleDecision Predictive) decisions = default;
        // Arrivals grow by 4/s every second; with a 1 s service time that is concurrency growing by 4 per second.
        for (int second = 1; second <= 30; second++)
        {
            decisions = Tick(4 * second);
        }

        // At second 30 the load is 120 (15 instances); 11 s ahead (load time + one tick) it will be 164 (21 instances).
        Assert.InRange(decisions.Predictive.DesiredInstances, 19, 22);
        Assert.True(decisions.Kpa.DesiredInstances <= 15, decisions.Kpa.Reason);
        Assert.StartsWith("predictive: forecast", decisions.Predictive.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DoesNotExtrapolateASingleStep()
    {
        for (int second = 1; second <= 5; second++)
        {
            Tick(0);
        }

        // A jump from 0 to 40: a ramp reading would forecast far beyond the 5 instances that 40 needs.
        var (_, predictive) = Tick(40);

        Assert.InRange(predictive.DesiredInstances, 1, 5);
    }
}
