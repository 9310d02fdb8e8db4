using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Control.Controller;
using Stoke.Policies;

namespace Stoke.Control.Tests;

public sealed class PrewarmTests
{
    // Unload after each arrival, pre-warm 10 minutes later, keep warm 2 minutes.
    private sealed class PrewarmAfterTenMinutes : IKeepAlivePolicy
    {
        public void OnArrivals(DateTimeOffset first, DateTimeOffset last, long count)
        {
        }

        public KeepAliveWindow CurrentWindow() => new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(2), "test: pre-warm after 10 min");
    }

    [Fact]
    public void AnIdleLoopThatMayStopAsksToBeWokenForThePrewarmAndThenStartsAnInstance()
    {
        var rig = new ControllerRig(new ScalingOptions { StableWindow = TimeSpan.FromSeconds(4), PanicWindow = TimeSpan.FromSeconds(2) });
        var catalog = new PolicyCatalog();
        var port = new RecordingPort();
        var controller = new FunctionController<string>(
            rig.Spec,
            new ControllerPolicies(catalog.CreateAutoscaler(rig.Spec), new PrewarmAfterTenMinutes(), catalog.CreatePlacement(PolicyNames.BestFit), catalog.GetRouting(rig.Spec.Routing)),
            port,
            rig.Time);
        var arrived = rig.Time.GetUtcNow();
        controller.Admit("r1", arrived + TimeSpan.FromSeconds(30), ControllerRig.Routing);
        controller.InstanceReady(port.Started[0].Instance, new Abstractions.Instances.ColdStartReport("memory", 1, 1, 1));

        TickOutcome outcome = default;
        for (var i = 0; i < 20 && (outcome.KeepTicking || i == 0); i++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(1));
            outcome = controller.Tick(new LoadSample(0, 0, i == 0 ? 1 : 0, arrived, arrived, [new(port.Started[0].Instance, true, 0, 0, 1, arrived)]));
        }

        Assert.False(outcome.KeepTicking);
        Assert.Equal(arrived + TimeSpan.FromMinutes(10), outcome.WakeAt);
        Assert.Single(port.Stopped);

        rig.Time.SetUtcNow(arrived + TimeSpan.FromMinutes(10));
        controller.Tick(LoadSample.Idle);

        Assert.Equal(2, port.Started.Count);
    }
}

/// <summary>A pipeline's pre-warm of a later step (<see cref="FunctionController{THeld}.Prewarm"/>).</summary>
public sealed class PipelinePrewarmTests
{
    [Fact]
    public void PrewarmStartsOneInstanceOnlyWhileNoneIsReadyOrLoading()
    {
        var rig = new ControllerRig();

        Assert.True(rig.Controller.Prewarm("pipeline ocr pre-warm: step 'recognize' is cold"));
        Assert.False(rig.Controller.Prewarm("again while it loads"));
        rig.Ready(rig.Port.Started[0].Instance);
        Assert.False(rig.Controller.Prewarm("again once it is ready"));

        Assert.Single(rig.Port.Started);
    }

    [Fact]
    public void APrewarmedInstanceIsNotReleasedBeforeTheRequestItWasWarmedFor()
    {
        var rig = new ControllerRig(new ScalingOptions { KeepAliveTtl = TimeSpan.FromMinutes(5) });
        rig.Controller.Prewarm("pipeline ocr pre-warm");
        var instance = rig.Ready(rig.Port.Started[0].Instance);

        for (var i = 0; i < 10; i++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(1));
            rig.Controller.Tick(LoadSample.Idle);
        }

        Assert.Empty(rig.Port.Stopped);
        Assert.Contains(rig.Controller.Instances, i => i.Id == instance);
    }
}
