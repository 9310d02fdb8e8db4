using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Policies.KeepAlive;
using static Stoke.Policies.Tests.KeepAlive.HybridHistogramKeepAliveTests;

namespace Stoke.Policies.Tests.KeepAlive;

public sealed class BreakEvenKeepAliveTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private static IKeepAlivePolicy Create(HistogramOptions options) =>
        new PolicyCatalog(options).CreateKeepAlive(Specs.With(new ScalingOptions { KeepAlive = PolicyNames.HybridHistogram, KeepAliveTtl = Ttl }));

    // 90% of idle times are 1.5 minutes, 10% are 3.5 hours: the paper's p99 keeps the instance 3.5 hours after every
    // arrival to save one cold start in ten; a cold start worth 30 minutes of idle time does not pay for that.
    private static IEnumerable<TimeSpan> MostlyShortSomeVeryLong() =>
        Enumerable.Range(0, 100).Select(i => i % 10 == 9 ? TimeSpan.FromHours(3.5) : TimeSpan.FromMinutes(1.5));

    [Fact]
    public void BreakEvenStopsBeforeARareLongTailThatThePercentileRuleCovers()
    {
        var percentile = Create(new HistogramOptions());
        var breakEven = Create(new HistogramOptions { ColdStartCost = TimeSpan.FromMinutes(30) });
        Arrive(percentile, MostlyShortSomeVeryLong());
        Arrive(breakEven, MostlyShortSomeVeryLong());

        Assert.True(percentile.CurrentWindow().KeepAlive > TimeSpan.FromHours(3.5), percentile.CurrentWindow().Reason);
        Assert.Equal(TimeSpan.FromMinutes(2 * 1.1), breakEven.CurrentWindow().KeepAlive);
    }

    [Fact]
    public void BreakEvenCoversTheLongTailWhenColdStartsCostMore()
    {
        var breakEven = Create(new HistogramOptions { ColdStartCost = TimeSpan.FromHours(40) });
        Arrive(breakEven, MostlyShortSomeVeryLong());

        Assert.True(breakEven.CurrentWindow().KeepAlive > TimeSpan.FromHours(3.5), breakEven.CurrentWindow().Reason);
    }

    [Fact]
    public void BreakEvenReleasesAtOnceWhenNoKeepAlivePays()
    {
        var breakEven = Create(new HistogramOptions { ColdStartCost = TimeSpan.FromSeconds(10) });
        Arrive(breakEven, Every(TimeSpan.FromMinutes(3.5), 30).Concat(Every(TimeSpan.FromMinutes(20), 5)));

        var window = breakEven.CurrentWindow();

        Assert.Equal(TimeSpan.Zero, window.KeepAlive);
        Assert.Contains("no keep-alive pays", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FallbackIsNoLongerThanTheColdStartCost()
    {
        var breakEven = Create(new HistogramOptions { ColdStartCost = TimeSpan.FromMinutes(2) });
        Arrive(breakEven, Every(TimeSpan.FromMinutes(10), 3));

        Assert.Equal(TimeSpan.FromMinutes(2), breakEven.CurrentWindow().KeepAlive);
    }

    [Fact]
    public void ShortPrewarmGapKeepsTheInstanceInsteadOfUnloading()
    {
        // Idle times of 1-2 minutes: the 5th percentile is 1 minute, too short a gap to unload and reload for.
        var policy = Create(new HistogramOptions());
        Arrive(policy, Every(TimeSpan.FromMinutes(1.5), 30));

        var window = policy.CurrentWindow();

        Assert.Equal(TimeSpan.Zero, window.PrewarmAfter);
        Assert.Equal(TimeSpan.FromMinutes(2 * 1.1), window.KeepAlive);
    }
}
