using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Routing;

namespace Stoke.Control.Tests;

/// <summary>Shadow policies run beside the live ones on the same signals and decide nothing.</summary>
public sealed class ShadowScalingTests
{
    private static readonly ScalingOptions Burst = new()
    {
        TargetConcurrency = 2, MaxInstances = 4, PanicWindow = TimeSpan.FromSeconds(2), StableWindow = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public void ShadowDecidesNothingAndLogsWhatItWouldRun()
    {
        var live = Play(new ControllerRig(Burst));
        var shadowed = new ControllerRig(Burst with { ShadowAutoscaler = PolicyNames.Predictive, ShadowKeepAlive = PolicyNames.HybridHistogram });
        var withShadow = Play(shadowed);

        // The same starts and stops as without a shadow: it changed nothing the port saw.
        Assert.Equal(live.Port.Started.Select(s => s.Instance), withShadow.Port.Started.Select(s => s.Instance));
        Assert.Equal(live.Port.Stopped, withShadow.Port.Stopped);
        Assert.Null(live.Controller.Shadow);
        var shadow = Assert.IsType<ShadowStatus>(withShadow.Controller.Shadow);
        Assert.Equal(PolicyNames.Predictive, shadow.Autoscaler);
        Assert.Equal(PolicyNames.HybridHistogram, shadow.KeepAlive);
        Assert.Equal(withShadow.Port.Started.Count, shadow.LiveInstanceStarts);
        Assert.True(shadow.InstanceStarts > 0, "the shadow would have started instances for the burst");
        Assert.Contains("shadow", withShadow.Kinds);
    }

    [Fact]
    public void ShadowAccountsItsOwnFleetsInstanceTimeBesideTheLiveOne()
    {
        var rig = new ControllerRig(Burst with { ShadowKeepAlive = PolicyNames.HybridHistogram });
        Play(rig);
        var before = rig.Controller.Shadow!;
        var liveInstances = rig.Controller.Instances.Count;

        rig.Time.Advance(TimeSpan.FromSeconds(10));
        rig.Tick(concurrency: 8, inFlight: 8, arrivals: 40, [.. rig.Controller.Instances.Select(i => new InstanceLoad(i.Id, true, 2, 0, 10, rig.Time.GetUtcNow()))]);
        var after = rig.Controller.Shadow!;

        // Same autoscaler as live (KPA): the shadow's fleet follows the burst as the live one did.
        Assert.Equal(liveInstances, before.Instances);
        Assert.Equal(before.Instances * 10.0 / 3600, after.InstanceHours - before.InstanceHours, 9);
        Assert.Equal(liveInstances * 10.0 / 3600, after.LiveInstanceHours - before.LiveInstanceHours, 9);
    }

    // A first request, its instance ready, then a burst of 8 in flight that makes KPA scale out to 4.
    private static ControllerRig Play(ControllerRig rig)
    {
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        rig.Tick(concurrency: 8, inFlight: 8, arrivals: 8, new InstanceLoad(id, true, 8, 0, 8, rig.Time.GetUtcNow()));
        return rig;
    }
}
