using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Routing;
using Stoke.Control.Controller;

namespace Stoke.Control.Tests;

public sealed class FunctionControllerTests
{
    [Fact]
    public void RequestAtZeroInstancesIsHeldAndStartsOneInstance()
    {
        var rig = new ControllerRig();

        var first = rig.Admit("r1");
        var second = rig.Admit("r2");

        Assert.Equal(AdmissionKind.Held, first.Kind);
        Assert.Equal(AdmissionKind.Held, second.Kind);
        Assert.Single(rig.Port.Started);
        Assert.Equal(2, rig.Controller.HeldCount);
    }

    [Fact]
    public void HeldRequestsRunOnTheInstanceOnceReadyAndCarryItsColdStartTier()
    {
        var rig = new ControllerRig();
        rig.Admit("r1");
        rig.Admit("r2");
        rig.Time.Advance(TimeSpan.FromMilliseconds(300));

        rig.Ready(rig.Port.Started[0].Instance);

        Assert.Equal(["r1", "r2"], rig.Port.Dispatched.Select(d => d.Request));
        Assert.All(rig.Port.Dispatched, d => Assert.Equal("memory", d.Assignment.ColdStartTier));
        Assert.All(rig.Port.Dispatched, d => Assert.Equal(TimeSpan.FromMilliseconds(300), d.Assignment.Held));
        Assert.Equal(0, rig.Controller.HeldCount);
    }

    [Fact]
    public void ReadyInstanceIsPublishedAndRequestsAreRoutedAtOnce()
    {
        var rig = new ControllerRig();
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);

        var later = rig.Admit("r2");

        Assert.Equal(AdmissionKind.Routed, later.Kind);
        Assert.Equal(id, later.Assignment.InstanceId);
        Assert.Null(later.Assignment.ColdStartTier);
        Assert.Contains(rig.Port.Published, t => t.Instances.Any(e => e.InstanceId == id));
    }

    [Fact]
    public void FullHoldQueueRefusesWithRetryAfterAndStillStartsAnInstance()
    {
        var rig = new ControllerRig(new ScalingOptions { MaxQueuedRequests = 2 });
        rig.Admit("r1");
        rig.Admit("r2");
        rig.Controller.InstanceStartFailed(rig.Port.Started[0].Instance, "no room", permanent: false);

        var third = rig.Admit("r3");

        Assert.Equal(AdmissionKind.Refused, third.Kind);
        Assert.Equal(StokeErrorKind.Overloaded, third.Error!.Kind);
        Assert.NotNull(third.Error.RetryAfter);
        Assert.Equal(2, rig.Port.Started.Count);
    }

    [Fact]
    public void HeldRequestPastItsDeadlineIsRefusedAtTheTickNamingWhy()
    {
        var rig = new ControllerRig();
        rig.Admit("r1", within: TimeSpan.FromSeconds(2));
        rig.Time.Advance(TimeSpan.FromSeconds(3));

        rig.Tick();

        var refused = Assert.Single(rig.Port.Refused);
        Assert.Equal(StokeErrorKind.DeadlineExceeded, refused.Error.Kind);
        Assert.Contains("still loading", refused.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PermanentStartFailureFailsHeldRequestsAtOnce()
    {
        var rig = new ControllerRig();
        rig.Admit("r1");

        rig.Controller.InstanceStartFailed(rig.Port.Started[0].Instance, "corrupt model", permanent: true);

        var refused = Assert.Single(rig.Port.Refused);
        Assert.Equal(StokeErrorKind.Internal, refused.Error.Kind);
        Assert.Contains("corrupt model", refused.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaturatedInstancesHoldTheNextRequestUntilASlotFrees()
    {
        var rig = new ControllerRig(new ScalingOptions { InstanceConcurrency = 1, MaxInstances = 1 });
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);

        var second = rig.Admit("r2");
        var heldWhileSaturated = rig.Port.Dispatched.Count;
        rig.Controller.SlotFreed(id, 0);

        Assert.Equal(AdmissionKind.Held, second.Kind);
        Assert.Equal(1, heldWhileSaturated);
        Assert.Equal(["r1", "r2"], rig.Port.Dispatched.Select(d => d.Request));
        Assert.Null(rig.Port.Dispatched[1].Assignment.ColdStartTier);
    }

    [Fact]
    public void RequestHeldBySaturationStartsNothingItselfAndTheTickScalesOutOnIt()
    {
        var rig = new ControllerRig(new ScalingOptions { InstanceConcurrency = 1, TargetConcurrency = 1, MaxInstances = 4, PanicWindow = TimeSpan.FromSeconds(2), StableWindow = TimeSpan.FromSeconds(10) });
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);

        var held = Enumerable.Range(2, 3).Select(i => rig.Admit("r" + i)).ToList();
        var startedWhileHeld = rig.Port.Started.Count;
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        rig.Tick(concurrency: 4, inFlight: 1, arrivals: 4, new InstanceLoad(id, true, 1, 0, 4, rig.Time.GetUtcNow()));

        Assert.All(held, h => Assert.Equal(AdmissionKind.Held, h.Kind));
        Assert.Equal(1, startedWhileHeld);
        Assert.Equal(4, rig.Port.Started.Count);
    }

    [Fact]
    public void HoldingIsPublishedSoNodesReportFreedSlots()
    {
        var rig = new ControllerRig(new ScalingOptions { InstanceConcurrency = 1, MaxInstances = 1 });
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);

        rig.Admit("r2");
        var whileHolding = rig.Port.Published[^1].Holding;
        rig.Controller.SlotFreed(id, 0);

        Assert.True(whileHolding);
        Assert.False(rig.Port.Published[^1].Holding);
    }

    [Fact]
    public void IdleInstanceIsReleasedAfterTheKeepAliveAndStopsRouting()
    {
        var rig = new ControllerRig(new ScalingOptions { KeepAliveTtl = TimeSpan.FromSeconds(10), StableWindow = TimeSpan.FromSeconds(4), PanicWindow = TimeSpan.FromSeconds(2) });
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);
        rig.Tick(arrivals: 1, instances: new InstanceLoad(id, true, 0, 0, 1, rig.Time.GetUtcNow()));

        for (var s = 0; s < 12; s++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(1));
            rig.Tick(instances: new InstanceLoad(id, true, 0, 0, 1, ControllerRig.T0));
        }

        Assert.Equal(id, Assert.Single(rig.Port.Stopped).Instance);
        Assert.Empty(rig.Port.Published[^1].Instances);
        Assert.Contains(rig.Controller.Draining, i => i.Id == id);
    }

    [Fact]
    public void LoopMayStopAfterThreeIdleTicksWithNothingRunning()
    {
        var rig = new ControllerRig();

        var outcomes = Enumerable.Range(0, 3).Select(_ => rig.Tick().KeepTicking).ToList();

        Assert.Equal([true, true, false], outcomes);
    }

    [Fact]
    public void BurstScalesOutByTheAutoscaler()
    {
        var rig = new ControllerRig(new ScalingOptions { TargetConcurrency = 2, MaxInstances = 4, PanicWindow = TimeSpan.FromSeconds(2), StableWindow = TimeSpan.FromSeconds(10) });
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);
        rig.Time.Advance(TimeSpan.FromSeconds(1));

        rig.Tick(concurrency: 8, inFlight: 8, arrivals: 8, new InstanceLoad(id, true, 8, 0, 8, rig.Time.GetUtcNow()));

        Assert.Equal(4, rig.Port.Started.Count);
        Assert.Contains("scale", rig.Kinds);
    }

    [Fact]
    public void ReadyInstanceItsReportingNodeNoLongerListsIsForgotten()
    {
        var rig = new ControllerRig();
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);
        var node = rig.Port.Started[0].Node;

        rig.Controller.Tick(new LoadSample(0, 0, 0, null, null, [], new HashSet<string> { node }));

        Assert.Empty(rig.Controller.Instances);
        Assert.Contains("gone", rig.Kinds);
        Assert.DoesNotContain(rig.Port.Published[^1].Instances, e => e.InstanceId == id);
    }

    [Fact]
    public void NoNodeWithTheLabelsLeavesTheRequestHeldAndSaysWhichLabels()
    {
        var rig = new ControllerRig(configure: s => s with { Labels = new Dictionary<string, string> { ["accelerator"] = "gpu" } });

        var admission = rig.Admit("r1");

        Assert.Equal(AdmissionKind.Held, admission.Kind);
        Assert.Empty(rig.Port.Started);
        Assert.Contains("accelerator=gpu", rig.Controller.LastStartError, StringComparison.Ordinal);
    }

    [Fact]
    public void RetiredControllerRefusesHeldAndNewRequests()
    {
        var rig = new ControllerRig();
        rig.Admit("r1");

        rig.Controller.Retire("deleted");
        var after = rig.Admit("r2");

        Assert.Equal(StokeErrorKind.NotFound, Assert.Single(rig.Port.Refused).Error.Kind);
        Assert.Equal(AdmissionKind.Refused, after.Kind);
    }

    // Two functions on a full node would otherwise evict each other in turn: an evicted function's controller starts
    // no replacement for its keep-alive or its autoscaler's memory of the load until a request arrives.
    [Fact]
    public void EvictedInstanceIsRestartedByTheNextRequestNotByTheNextTick()
    {
        var (rig, id) = ServingOneRequest();

        rig.Controller.InstanceEvicted(id, "evicted by its node");
        for (var i = 0; i < 5; i++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(2));
            rig.Tick();
        }

        Assert.Single(rig.Port.Started);
        Assert.Empty(rig.Controller.Instances);
        Assert.Contains(rig.Log.ToArray(), e => e.Kind == "scale" && e.Detail.Contains("evicted: no restart", StringComparison.Ordinal));

        var next = rig.Admit("r2");

        Assert.Equal(AdmissionKind.Held, next.Kind);
        Assert.Equal(2, rig.Port.Started.Count);
    }

    // A loss that is not an eviction (a node died, a gateway found the instance gone) is replaced at the next tick.
    [Fact]
    public void LostInstanceIsReplacedAtTheNextTick()
    {
        var (rig, id) = ServingOneRequest();

        rig.Controller.InstanceLost(id, "its node left the cluster");
        rig.Time.Advance(TimeSpan.FromSeconds(2));
        rig.Tick();

        Assert.Equal(2, rig.Port.Started.Count);
    }

    // A function whose one instance served a request and whose keep-alive window still wants it.
    private static (ControllerRig Rig, string Instance) ServingOneRequest()
    {
        var rig = new ControllerRig(new ScalingOptions { KeepAliveTtl = TimeSpan.FromMinutes(5) });
        rig.Admit("r1");
        var id = rig.Ready(rig.Port.Started[0].Instance);
        rig.Tick(concurrency: 1, arrivals: 1);
        return (rig, id);
    }
}
