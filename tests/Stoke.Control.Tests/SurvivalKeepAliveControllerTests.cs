using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Control.Controller;
using Stoke.Policies;

namespace Stoke.Control.Tests;

/// <summary>The live controller with the <c>survival-ttl</c> keep-alive, on fake time, against the fixed TTL it starts from.</summary>
public sealed class SurvivalKeepAliveControllerTests
{
    private static readonly ScalingOptions Scaling = new()
    {
        KeepAliveTtl = TimeSpan.FromMinutes(30), StableWindow = TimeSpan.FromSeconds(4), PanicWindow = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public void KeepsAnInstanceForTheArrivalThatAlwaysComesFortyMinutesLaterWhereTheFixedTtlReleasesIt()
    {
        var fixedTtl = IdleFor(PolicyNames.FixedKeepAlive, TimeSpan.FromMinutes(35));
        var survival = IdleFor(PolicyNames.SurvivalKeepAlive, TimeSpan.FromMinutes(35));

        Assert.Single(fixedTtl.Stopped);
        Assert.Empty(survival.Stopped);
    }

    [Fact]
    public void ReleasesTheInstanceOnceItsLearntKeepAliveHasPassed()
    {
        var survival = IdleFor(PolicyNames.SurvivalKeepAlive, TimeSpan.FromMinutes(55));

        Assert.Single(survival.Stopped);
    }

    [Fact]
    public void ReleasesWithinTenMinutesAnInstanceWhoseArrivalsComeEveryTwoHoursWhereTheFixedTtlKeepsIt()
    {
        var twoHours = TimeSpan.FromHours(2);
        var fixedTtl = IdleFor(PolicyNames.FixedKeepAlive, TimeSpan.FromMinutes(10), twoHours);
        var survival = IdleFor(PolicyNames.SurvivalKeepAlive, TimeSpan.FromMinutes(10), twoHours);

        Assert.Empty(fixedTtl.Stopped);
        Assert.Single(survival.Stopped);
    }

    [Fact]
    public void KeepsExactlyTheFixedTtlForAFunctionWithTooFewIdleTimesToTrust()
    {
        // Three two-hourly gaps gain too little to leave the TTL: still warm a minute before it, gone a minute after.
        var twoHours = TimeSpan.FromHours(2);
        var before = IdleFor(PolicyNames.SurvivalKeepAlive, TimeSpan.FromMinutes(29), twoHours, 3);
        var after = IdleFor(PolicyNames.SurvivalKeepAlive, TimeSpan.FromMinutes(31), twoHours, 3);

        Assert.Equal((0, 1), (before.Stopped.Count, after.Stopped.Count));
    }

    // A function that has seen the given arrivals (by default 60, 40 minutes apart; fed to the policy the catalog made for
    // its spec, as the controller would have over those hours), then one request served, then idle for the given time,
    // ticking every 10 s.
    private static RecordingPort IdleFor(string keepAliveName, TimeSpan idle, TimeSpan? gap = null, int gaps = 60)
    {
        var rig = new ControllerRig(Scaling with { KeepAlive = keepAliveName });
        var catalog = new PolicyCatalog();
        var keepAlive = catalog.CreateKeepAlive(rig.Spec);
        var every = gap ?? TimeSpan.FromMinutes(40);
        var history = rig.Time.GetUtcNow() - (every * (gaps + 1));
        for (var i = 0; i <= gaps; i++)
        {
            keepAlive.OnArrival(history + (every * i));
        }

        var port = new RecordingPort();
        var controller = new FunctionController<string>(
            rig.Spec,
            new ControllerPolicies(catalog.CreateAutoscaler(rig.Spec), keepAlive, catalog.CreatePlacement(PolicyNames.BestFit), catalog.GetRouting(rig.Spec.Routing)),
            port,
            rig.Time);
        var arrived = rig.Time.GetUtcNow();
        controller.Admit("r1", arrived + TimeSpan.FromSeconds(30), ControllerRig.Routing);
        var id = port.Started[0].Instance;
        controller.InstanceReady(id, new Abstractions.Instances.ColdStartReport("memory", 1, 1, 1));
        controller.Tick(new LoadSample(0, 0, 1, arrived, arrived, [new InstanceLoad(id, true, 0, 0, 1, arrived)]));
        var end = arrived + idle;
        while (rig.Time.GetUtcNow() < end && port.Stopped.Count == 0)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(10));
            controller.Tick(new LoadSample(0, 0, 0, null, null, [new InstanceLoad(id, true, 0, 0, 1, arrived)]));
        }

        return port;
    }
}
