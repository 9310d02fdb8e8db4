using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.Autoscaling;

public sealed class KpaAutoscalerTests
{
    private static readonly ScalingOptions Options = new()
    {
        Autoscaler = PolicyNames.Kpa,
        TargetConcurrency = 8,
        MaxInstances = 20,
        StableWindow = TimeSpan.FromSeconds(60),
        PanicWindow = TimeSpan.FromSeconds(6),
        PanicThreshold = 2,
    };

    private readonly FakeTimeProvider _time = new(Specs.T0);

    private IAutoscaler Create(ScalingOptions? options = null) =>
        new PolicyCatalog().CreateAutoscaler(Specs.With(options ?? Options));

    private ScaleDecision Tick(IAutoscaler scaler, double concurrency, int ready, int loading = 0, long arrivals = 0, int queued = 0)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return scaler.Decide(new ScaleSignal(_time.GetUtcNow(), concurrency, arrivals, queued, ready, loading, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void ScalesFromZeroOnFirstRequest()
    {
        var scaler = Create();
        Assert.Equal(0, Tick(scaler, 0, ready: 0).DesiredInstances);

        // One request arrived and is held by the activator; its average concurrency over the tick is tiny.
        var decision = Tick(scaler, 0, ready: 0, arrivals: 1, queued: 1);

        Assert.Equal(1, decision.DesiredInstances);
    }

    [Fact]
    public void PanicsOnBurstAndScalesOutFast()
    {
        var scaler = Create();
        for (int i = 0; i < 60; i++)
        {
            Tick(scaler, 4, ready: 1);
        }

        // 10x burst: the 60 s average barely moves after one tick, the 6 s window sees it at once.
        var decision = Tick(scaler, 80, ready: 1, arrivals: 80);

        Assert.True(decision.Panicking);
        Assert.StartsWith("panic:", decision.Reason, StringComparison.Ordinal);
        Assert.True(decision.DesiredInstances >= 2, decision.Reason);
        Assert.True(decision.DesiredInstances > (int)Math.Ceiling(((59 * 4) + 80) / 60.0 / 8), "panic must beat the stable window's answer");
    }

    [Fact]
    public void PanicReachesBurstNeedWithinPanicWindow()
    {
        var scaler = Create();
        ScaleDecision decision = default;
        for (int i = 0; i < 6; i++)
        {
            decision = Tick(scaler, 80, ready: 1);
        }

        Assert.Equal(10, decision.DesiredInstances);
        Assert.Equal("panic: 80.0 conc over 6s window / target 8 -> 10", decision.Reason);
    }

    [Fact]
    public void NeverScalesDownWhilePanicking()
    {
        var scaler = Create();
        for (int i = 0; i < 6; i++)
        {
            Tick(scaler, 80, ready: 1);
        }

        // The burst pauses: the panic window drops to nothing, but the 60 s panic hold has not passed.
        ScaleDecision decision = default;
        for (int i = 0; i < 30; i++)
        {
            decision = Tick(scaler, 0, ready: 10);
            Assert.Equal(10, decision.DesiredInstances);
        }

        Assert.True(decision.Panicking);
    }

    [Fact]
    public void LeavesPanicAfterAStableWindowWithoutBurst()
    {
        var scaler = Create();
        for (int i = 0; i < 6; i++)
        {
            Tick(scaler, 80, ready: 1);
        }

        ScaleDecision decision = default;
        for (int i = 0; i < 61; i++)
        {
            decision = Tick(scaler, 16, ready: 10);
        }

        Assert.False(decision.Panicking);
        Assert.Equal(2, decision.DesiredInstances);
    }

    [Fact]
    public void CountsLoadingInstancesSoSlowColdStartDoesNotOverscale()
    {
        var scaler = Create();
        // A burst of 40 at zero; the instances take 30 s to load, so every tick shows them still loading and the
        // requests still queued in the activator.
        int provisioned = 0;
        for (int i = 0; i < 30; i++)
        {
            var decision = Tick(scaler, 40, ready: 0, loading: provisioned, arrivals: i == 0 ? 40 : 0, queued: 40);
            Assert.True(decision.DesiredInstances <= 5, $"tick {i}: {decision.Reason}");
            provisioned = decision.DesiredInstances;
        }

        Assert.Equal(5, provisioned);
    }

    [Fact]
    public void ScalesToZeroAfterIdleStableWindow()
    {
        var scaler = Create();
        for (int i = 0; i < 10; i++)
        {
            Tick(scaler, 4, ready: 1);
        }

        for (int i = 0; i < 59; i++)
        {
            Assert.Equal(1, Tick(scaler, 0, ready: 1).DesiredInstances);
        }

        var decision = Tick(scaler, 0, ready: 1);

        Assert.Equal(0, decision.DesiredInstances);
    }

    [Fact]
    public void ClampsToMinAndMax()
    {
        var scaler = Create(Options with { MinInstances = 2, MaxInstances = 3 });

        var idle = Tick(scaler, 0, ready: 2);
        Assert.Equal(2, idle.DesiredInstances);
        Assert.Contains("min 2", idle.Reason, StringComparison.Ordinal);

        var burst = Tick(scaler, 400, ready: 2);
        Assert.Equal(3, burst.DesiredInstances);
        Assert.Contains("max 3", burst.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void QueuedRequestsCountAsConcurrency()
    {
        var scaler = Create(Options with { PanicThreshold = 1000 });

        var decision = Tick(scaler, 0, ready: 1, queued: 24);

        Assert.Equal(3, decision.DesiredInstances);
    }
}
