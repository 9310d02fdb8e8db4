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
    private IAutoscaler _kpa = Create(PolicyNames.Kpa, Options);
    private IAutoscaler _predictive = Create(PolicyNames.Predictive, Options);

    private static IAutoscaler Create(string name, ScalingOptions options) =>
        new PolicyCatalog().CreateAutoscaler(Specs.With(options with { Autoscaler = name }));

    /// <summary>Both autoscalers with Knative's default 60 s stable window (and so a 60 s panic hold).</summary>
    private void UseKnativeStableWindow()
    {
        var options = Options with { StableWindow = TimeSpan.FromSeconds(60) };
        _kpa = Create(PolicyNames.Kpa, options);
        _predictive = Create(PolicyNames.Predictive, options);
    }

    /// <summary>One second passes; both autoscalers see the same signal (service time 1 s: concurrency = arrivals).</summary>
    private (ScaleDecision Kpa, ScaleDecision Predictive) Tick(long arrivals, int ready = 1, int loading = 0)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        var signal = new ScaleSignal(_time.GetUtcNow(), arrivals, arrivals, 0, ready, loading, LoadTime);
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
        Assert.Contains("trend", decisions.Predictive.Reason, StringComparison.Ordinal);
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

    [Fact]
    public void ScalesDownSoonerThanKpaAfterABurst()
    {
        UseKnativeStableWindow();
        // A steady 8 (one instance), a burst of 80 for 5 s, then the steady 8 again.
        for (int second = 1; second <= 60; second++)
        {
            Tick(8);
        }

        // The burst: one instance ready, the rest it asked for still loading.
        for (int second = 61; second <= 65; second++)
        {
            Tick(80, ready: 1, loading: 9);
        }

        (ScaleDecision Kpa, ScaleDecision Predictive) decisions = default;
        for (int second = 66; second <= 100; second++)
        {
            decisions = Tick(8, ready: 10);
        }

        // 35 s after the burst KPA still holds its panic peak (for 60 s); the forecast has let most of it go, its
        // error deviation still remembering the burst.
        Assert.True(decisions.Kpa.DesiredInstances >= 9, decisions.Kpa.Reason);
        Assert.InRange(decisions.Predictive.DesiredInstances, 1, 4);
    }

    [Fact]
    public void HoldsInstancesForALoadTimeBeforeScalingDown()
    {
        for (int second = 1; second <= 60; second++)
        {
            Tick(8);
        }

        for (int second = 61; second <= 65; second++)
        {
            Tick(80, ready: 10);
        }

        // Within one load time of the burst the instances stay: releasing them would likely mean reloading them.
        for (int second = 66; second <= 74; second++)
        {
            Assert.True(Tick(8, ready: 10).Predictive.DesiredInstances >= 10, $"second {second}");
        }
    }

    [Fact]
    public void DoesNotChaseNoise()
    {
        // A stationary load of mean 8 that rises three ticks in a row, over and over: 2, 6, 10, 14, 2, 6, ...
        var decisions = new List<ScaleDecision>();
        for (int second = 1; second <= 180; second++)
        {
            var predictive = Tick(2 + (4 * ((second - 1) % 4))).Predictive;
            if (second > 60)
            {
                decisions.Add(predictive);
            }
        }

        // Mean 8 plus one deviation of the noise needs two instances; no rising run may read as a trend.
        Assert.All(decisions, d => Assert.Equal(2, d.DesiredInstances));
    }

    [Fact]
    public void NeverBelowWhatTheCurrentConcurrencyNeeds()
    {
        for (int second = 1; second <= 60; second++)
        {
            Tick(8);
        }

        // A single tick of 200: the forecast has barely moved, the 200 in flight need 25 instances now.
        var (_, predictive) = Tick(200, ready: 1);

        Assert.Equal(25, predictive.DesiredInstances);
    }

    [Fact]
    public void KeepsReadyInstancesWhileNewOnesLoad()
    {
        for (int second = 1; second <= 60; second++)
        {
            Tick(8);
        }

        // Two ready, three loading, while the forecast wants one: dropping to one would release a ready instance
        // and keep the loading ones, leaving less capacity than either.
        var (_, predictive) = Tick(0, ready: 2, loading: 3);

        Assert.Equal(5, predictive.DesiredInstances);
    }

    [Fact]
    public void ReachesZeroAStableWindowAfterTheLastRequest()
    {
        for (int second = 1; second <= 60; second++)
        {
            Tick(8);
        }

        ScaleDecision predictive = default;
        for (int second = 61; second <= 80; second++)
        {
            predictive = Tick(0).Predictive;
        }

        // The smoothed rate never decays to exactly zero; a stable window (20 s) of silence must still mean zero, as
        // for KPA.
        Assert.Equal(0, predictive.DesiredInstances);
    }
}
