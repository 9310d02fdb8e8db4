using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.Autoscaling;

/// <summary>The guarded predictive autoscaler decides as KPA where the forecast has not earned trust, as predictive where it has.</summary>
public sealed class GuardedPredictiveAutoscalerTests
{
    private static readonly ScalingOptions Options = new() { TargetConcurrency = 1, MaxInstances = 50, StableWindow = TimeSpan.FromSeconds(20), PanicWindow = TimeSpan.FromSeconds(6) };
    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(Specs.T0);
    private readonly IAutoscaler _kpa = Create(PolicyNames.Kpa);
    private readonly IAutoscaler _predictive = Create(PolicyNames.Predictive);
    private readonly IAutoscaler _guarded = Create(PolicyNames.GuardedPredictive);

    private static IAutoscaler Create(string name) => new PolicyCatalog().CreateAutoscaler(Specs.With(Options with { Autoscaler = name }));

    private (int Kpa, int Predictive, int Guarded) Tick(long arrivals)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        var signal = new ScaleSignal(_time.GetUtcNow(), arrivals, arrivals, 0, 1, 0, LoadTime);
        return (_kpa.Decide(signal).DesiredInstances, _predictive.Decide(signal).DesiredInstances, _guarded.Decide(signal).DesiredInstances);
    }

    [Fact]
    public void SparseArrivalsAreScaledExactlyAsKpaScalesThem()
    {
        var differs = 0;
        var guardedDiffersFromKpa = 0;
        for (var second = 1; second <= 600; second++)
        {
            // Three requests every 9 s: too sparse for a rate, and the forecast's hold differs from KPA's.
            var (kpa, predictive, guarded) = Tick(second % 9 == 0 ? 3 : 0);
            differs += kpa != predictive ? 1 : 0;
            guardedDiffersFromKpa += kpa != guarded ? 1 : 0;
        }

        Assert.True(differs > 0, "the test needs a trace on which predictive and KPA disagree");
        Assert.Equal(0, guardedDiffersFromKpa);
    }

    [Fact]
    public void ARampTheForecastFollowsIsScaledAsPredictiveScalesIt()
    {
        // Load rising steadily by one request in flight every 4 s: the trend is plain, KPA's window lags it by half a
        // stable window and predictive's forecast does not; once scored, the guard takes the forecast.
        var agreeWithPredictive = 0;
        var disagreeWithKpa = 0;
        for (var second = 1; second <= 200; second++)
        {
            var (kpa, predictive, guarded) = Tick(2 + (second / 4));
            if (second > 100)
            {
                agreeWithPredictive += guarded == predictive ? 1 : 0;
                disagreeWithKpa += guarded != kpa ? 1 : 0;
            }
        }

        Assert.Equal(100, agreeWithPredictive);
        Assert.True(disagreeWithKpa > 0, "on this load the guard should have taken predictive's answers where KPA's differ");
    }

    [Fact]
    public void WhileKpaPanicsAboveTheTrustedForecastKpasAnswerIsTaken()
    {
        // The ramp earns the forecast its trust; then the load halves. KPA, panicking, releases nothing; predictive
        // scales down after one load time. A burst is where a trusted forecast has been least tested, so KPA decides.
        for (var second = 1; second <= 200; second++)
        {
            Tick(2 + (second / 4));
        }

        var ruled = 0;
        for (var second = 201; second <= 240; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var signal = new ScaleSignal(_time.GetUtcNow(), 26, 26, 0, 1, 0, LoadTime);
            var (kpa, predictive, guarded) = (_kpa.Decide(signal), _predictive.Decide(signal), _guarded.Decide(signal));
            if (kpa.Panicking && kpa.DesiredInstances > predictive.DesiredInstances)
            {
                Assert.Equal(kpa.DesiredInstances, guarded.DesiredInstances);
                ruled += guarded.Reason.Contains("panicking above the trusted forecast", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        Assert.True(ruled > 0, "the forecast should still be trusted when the load halves, and KPA's answer taken over it");
    }
}
