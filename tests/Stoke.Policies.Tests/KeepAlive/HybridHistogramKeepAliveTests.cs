using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.KeepAlive;

public sealed class HybridHistogramKeepAliveTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    internal static IKeepAlivePolicy Create(string name) =>
        new PolicyCatalog().CreateKeepAlive(Specs.With(new ScalingOptions { KeepAlive = name, KeepAliveTtl = Ttl }));

    /// <summary>Feeds arrivals separated by the given gaps, starting at T0.</summary>
    internal static void Arrive(IKeepAlivePolicy policy, IEnumerable<TimeSpan> gaps, DateTimeOffset? start = null)
    {
        var now = start ?? Specs.T0;
        policy.OnArrival(now);
        foreach (var gap in gaps)
        {
            now += gap;
            policy.OnArrival(now);
        }
    }

    internal static IEnumerable<TimeSpan> Every(TimeSpan gap, int count) => Enumerable.Repeat(gap, count);

    [Fact]
    public void PeriodicArrivalsGivePrewarmAndKeepAliveAroundThePeriod()
    {
        var policy = Create(PolicyNames.HybridHistogram);
        Arrive(policy, Every(TimeSpan.FromMinutes(10), 30));

        var window = policy.CurrentWindow();

        // Every idle time falls in the 10-11 minute bin: pre-warm at 10 min less 10%, keep alive to 11 min plus 10%.
        Assert.Equal(TimeSpan.FromMinutes(9), window.PrewarmAfter);
        Assert.Equal(TimeSpan.FromMinutes(12.1) - TimeSpan.FromMinutes(9), window.KeepAlive);
        Assert.StartsWith("hybrid-histogram:", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PeriodicWindowCoversTheNextArrivalWhileTheFixedTtlDoesNot()
    {
        var policy = Create(PolicyNames.HybridHistogram);
        Arrive(policy, Every(TimeSpan.FromMinutes(10), 30));

        var window = policy.CurrentWindow();
        var next = TimeSpan.FromMinutes(10);

        Assert.InRange(next, window.PrewarmAfter, window.PrewarmAfter + window.KeepAlive);
        Assert.True(next > Ttl, "the fixed 5-minute TTL would have unloaded it: a cold start");
    }

    [Fact]
    public void FallsBackToFixedTtlWithTooFewIdleTimes()
    {
        var policy = Create(PolicyNames.HybridHistogram);
        Arrive(policy, Every(TimeSpan.FromMinutes(10), 5));

        var window = policy.CurrentWindow();

        Assert.Equal(new KeepAliveWindow(TimeSpan.Zero, Ttl, window.Reason), window);
        Assert.Contains("fallback", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FallsBackToFixedTtlWhenIdleTimesAreFlat()
    {
        var policy = Create(PolicyNames.HybridHistogram);
        // One idle time in every minute bin of the 4-hour range: nothing to predict.
        Arrive(policy, Enumerable.Range(0, 240).Select(m => TimeSpan.FromMinutes(m + 0.5)));

        var window = policy.CurrentWindow();

        Assert.Equal(Ttl, window.KeepAlive);
        Assert.Contains("flat", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FallsBackToFixedTtlWhenMostIdleTimesAreOutOfRange()
    {
        var policy = Create(PolicyNames.HybridHistogram);
        Arrive(policy, Every(TimeSpan.FromHours(6), 20));

        var window = policy.CurrentWindow();

        Assert.Equal(Ttl, window.KeepAlive);
        Assert.Contains("past 4h", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BusyFunctionIsKeptWarmWithoutPrewarmGap()
    {
        var policy = Create(PolicyNames.HybridHistogram);
        Arrive(policy, Every(TimeSpan.FromSeconds(5), 100).Concat(Every(TimeSpan.FromMinutes(3), 5)));

        var window = policy.CurrentWindow();

        Assert.Equal(TimeSpan.Zero, window.PrewarmAfter);
        Assert.Equal(TimeSpan.FromMinutes(4 * 1.1), window.KeepAlive);
    }
}
