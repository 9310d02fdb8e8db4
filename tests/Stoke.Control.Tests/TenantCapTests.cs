using Stoke.Abstractions.Errors;
using Stoke.Control.Controller;

namespace Stoke.Control.Tests;

/// <summary>The operator's cap on a tenant's instances, counted over every node from their reports, in the shared controller.</summary>
public sealed class TenantCapTests
{
    [Fact]
    public void ColdRequestAtTheTenantsCapIsRefusedAsOverloadWithRetryAfterAndStartsNothing()
    {
        var rig = Rig(cap: 2, ("t/other", 2));

        var admission = rig.Admit("r1");

        Assert.Equal(AdmissionKind.Refused, admission.Kind);
        Assert.Equal(StokeErrorKind.Overloaded, admission.Error!.Kind);
        Assert.NotNull(admission.Error.RetryAfter);
        Assert.Contains("MaxInstances 2", admission.Error.Message, StringComparison.Ordinal);
        Assert.Empty(rig.Port.Started);
    }

    [Fact]
    public void ColdRequestBelowTheCapStartsAnInstance()
    {
        var rig = Rig(cap: 2, ("t/other", 1));

        var admission = rig.Admit("r1");

        Assert.Equal(AdmissionKind.Held, admission.Kind);
        Assert.Single(rig.Port.Started);
    }

    [Fact]
    public void OtherTenantsInstancesDoNotCountTowardTheCap()
    {
        var rig = Rig(cap: 1, ("u/other", 5));

        rig.Admit("r1");

        Assert.Single(rig.Port.Started);
    }

    [Fact]
    public void ScaleOutStopsAtTheCapCountingTheFunctionsOwnNewInstances()
    {
        var rig = Rig(cap: 2, ("t/other", 1));
        rig.Admit("r1");
        rig.Ready(rig.Port.Started[0].Instance);

        // The node reports have not caught up with the instance just started: the controller still counts it.
        for (var i = 0; i < 5; i++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(1));
            rig.Tick(concurrency: 40, inFlight: 40, arrivals: 200);
        }

        Assert.Single(rig.Port.Started);
        Assert.Contains("start-capped", rig.Kinds);
    }

    private static ControllerRig Rig(int cap, params (string Key, int Count)[] running)
    {
        var rig = new ControllerRig(tenantMaxInstances: cap);
        rig.Port.NodeList[0] = rig.Port.NodeList[0] with { FunctionInstances = running.ToDictionary(r => r.Key, r => r.Count, StringComparer.Ordinal) };
        return rig;
    }
}
