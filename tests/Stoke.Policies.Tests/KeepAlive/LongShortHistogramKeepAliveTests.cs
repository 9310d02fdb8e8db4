using Stoke.Abstractions.Functions;
using static Stoke.Policies.Tests.KeepAlive.HybridHistogramKeepAliveTests;

namespace Stoke.Policies.Tests.KeepAlive;

public sealed class LongShortHistogramKeepAliveTests
{
    private static IEnumerable<TimeSpan> ChangedPattern() =>
        Every(TimeSpan.FromMinutes(10), 50).Concat(Every(TimeSpan.FromMinutes(2), 20));

    [Fact]
    public void FollowsRecentBehaviourWhenItChanged()
    {
        var longShort = Create(PolicyNames.LongShortHistogram);
        var hybrid = Create(PolicyNames.HybridHistogram);
        Arrive(longShort, ChangedPattern());
        Arrive(hybrid, ChangedPattern());

        var recent = longShort.CurrentWindow();
        var history = hybrid.CurrentWindow();

        // Now every 2 minutes: keep warm to 3.3 min, not to the 12.1 min the whole history still suggests.
        Assert.Equal(TimeSpan.FromMinutes(3.3), recent.PrewarmAfter + recent.KeepAlive);
        Assert.Equal(TimeSpan.FromMinutes(12.1), history.PrewarmAfter + history.KeepAlive);
        Assert.Contains("short-term", recent.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void UsesLongTermWhenRecentBehaviourAgrees()
    {
        var longShort = Create(PolicyNames.LongShortHistogram);
        var hybrid = Create(PolicyNames.HybridHistogram);
        Arrive(longShort, Every(TimeSpan.FromMinutes(10), 60));
        Arrive(hybrid, Every(TimeSpan.FromMinutes(10), 60));

        var window = longShort.CurrentWindow();

        Assert.Equal(hybrid.CurrentWindow() with { Reason = "" }, window with { Reason = "" });
        Assert.Contains("long-term", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FallsBackToFixedTtlWithTooFewIdleTimes()
    {
        var policy = Create(PolicyNames.LongShortHistogram);
        Arrive(policy, Every(TimeSpan.FromMinutes(10), 3));

        var window = policy.CurrentWindow();

        Assert.Equal(TimeSpan.Zero, window.PrewarmAfter);
        Assert.Equal(TimeSpan.FromMinutes(5), window.KeepAlive);
        Assert.Contains("fallback", window.Reason, StringComparison.Ordinal);
    }
}
