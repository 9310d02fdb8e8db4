using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using static Stoke.Policies.Tests.KeepAlive.HybridHistogramKeepAliveTests;

namespace Stoke.Policies.Tests.KeepAlive;

public sealed class SurvivalKeepAliveTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);

    private static IKeepAlivePolicy Create(TimeSpan? ttl = null) =>
        new PolicyCatalog().CreateKeepAlive(Specs.With(new ScalingOptions { KeepAlive = PolicyNames.SurvivalKeepAlive, KeepAliveTtl = ttl ?? Ttl }));

    [Fact]
    public void KeepsTheFixedTtlBeforeAnyIdleTime()
    {
        var policy = Create();
        policy.OnArrival(Specs.T0);

        var window = policy.CurrentWindow();

        Assert.Equal(new KeepAliveWindow(TimeSpan.Zero, Ttl, window.Reason), window);
    }

    [Fact]
    public void AFewIdleTimesMoveTheKeepAliveLittle()
    {
        var policy = Create();
        Arrive(policy, Every(TimeSpan.FromHours(2), 3));

        // Three gaps of two hours are weak evidence against keeping 30 minutes: the prior still decides most of it.
        Assert.InRange(policy.CurrentWindow().KeepAlive, Ttl * 0.75, Ttl * 1.25);
    }

    [Fact]
    public void ReleasesEarlyAFunctionWhoseIdleTimesAllOutlastTheTtl()
    {
        var policy = Create();
        Arrive(policy, Every(TimeSpan.FromHours(2), 60));

        // 60 gaps of 2 hours: keeping 30 minutes never saved a cold start, so the memory is released much sooner.
        var window = policy.CurrentWindow();
        Assert.True(window.KeepAlive < Ttl / 3, window.Reason);
        Assert.Equal(TimeSpan.Zero, window.PrewarmAfter);
    }

    [Fact]
    public void KeepsExactlyTheTtlUntilLeavingItGainsEnough()
    {
        var policy = Create();
        Arrive(policy, Every(TimeSpan.FromHours(2), 3));

        // Three gaps of two hours tilt the curve a little: leaving the TTL would gain under 0.02 cold starts per gap.
        var window = policy.CurrentWindow();
        Assert.Equal(Ttl, window.KeepAlive);
        Assert.Contains("keep alive the TTL 30m", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void KeepsPastTheTtlWhenTheNextArrivalReliablyComesJustAfterIt()
    {
        var policy = Create();
        Arrive(policy, Every(TimeSpan.FromMinutes(40), 60));

        // Every gap is 40 minutes: the fixed 30-minute TTL makes each arrival a cold start; 10 more minutes save it.
        var window = policy.CurrentWindow();
        Assert.InRange(window.KeepAlive, TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(50));
        Assert.StartsWith("survival-ttl: 60 idle times", window.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortGapsWithinOneControlIntervalCountAsIdleTimes()
    {
        var policy = Create();
        policy.OnArrivals(Specs.T0, Specs.T0 + TimeSpan.FromSeconds(1), 500);

        // 499 gaps under a minute and nothing known past it: the prior's break-even at the TTL decides the rest.
        var window = policy.CurrentWindow();
        Assert.StartsWith("survival-ttl: 499 idle times", window.Reason, StringComparison.Ordinal);
        Assert.InRange(window.KeepAlive, Ttl * 0.85, Ttl * 1.15);
    }

    [Fact]
    public void AZeroTtlKeepsNothing()
    {
        var policy = Create(TimeSpan.Zero);
        Arrive(policy, Every(TimeSpan.FromMinutes(5), 30));

        Assert.Equal(TimeSpan.Zero, policy.CurrentWindow().KeepAlive);
    }
}
