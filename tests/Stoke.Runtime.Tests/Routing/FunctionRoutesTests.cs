using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Policies;
using Stoke.Runtime.Routing;

namespace Stoke.Runtime.Tests.Routing;

/// <summary>
/// The warm path's table on one node: a request picked for a local instance counts against it from the pick, before
/// the instance itself has counted it, so two requests arriving together never both take its last slot; so does a
/// request the controller assigned to a local instance.
/// </summary>
public sealed class FunctionRoutesTests
{
    private const string Node = "127.0.0.1:11111@1";
    private static readonly IRoutingPolicy LeastRequests = new PolicyCatalog().GetRouting(PolicyNames.LeastRequests);
    private readonly Dictionary<string, int> _entered = new(StringComparer.Ordinal) { ["i0"] = 0 };

    [Fact]
    public void TwoRequestsPickedTogetherDoNotShareALocalInstancesLastSlot()
    {
        var routes = new FunctionRoutes(Table());

        var first = Pick(routes);
        // The first request has not reached the instance yet (its count is still 0): the slot is taken all the same.
        var second = Pick(routes);

        Assert.Equal("i0", first?.InstanceId);
        Assert.Null(second);
    }

    [Fact]
    public void ARequestCountsOnceWhetherOnItsWayOrInsideTheInstance()
    {
        var routes = new FunctionRoutes(Table());
        var first = Pick(routes)!;

        _entered["i0"] = 1;
        first.Entered();
        Assert.Null(Pick(routes));

        _entered["i0"] = 0;
        first.Done();
        Assert.Equal("i0", Pick(routes)?.InstanceId);
    }

    [Fact]
    public void TheCountOnItsWayFollowsTheInstanceIntoANewerTable()
    {
        var routes = new FunctionRoutes(Table());
        Assert.NotNull(Pick(routes));

        routes.Update(Table(revision: 2));

        Assert.Null(Pick(routes));
    }

    // A held request the controller dispatches to a local instance is on its way there like a warm-path pick: a
    // warm-path request arriving meanwhile must not take the same slot.
    [Fact]
    public void ARequestTheControllerAssignedToALocalInstanceTakesItsSlotAtOnce()
    {
        var routes = new FunctionRoutes(Table());

        var assigned = routes.Claim("i0", id => _entered.TryGetValue(id, out var n) ? n : null);

        Assert.NotNull(assigned);
        Assert.Null(Pick(routes));
        _entered["i0"] = 1;
        assigned.Entered();
        Assert.Null(Pick(routes));
        _entered["i0"] = 0;
        assigned.Done();
        Assert.Equal("i0", Pick(routes)?.InstanceId);
    }

    [Fact]
    public void OnlyThisNodesInstancesAreClaimed()
    {
        var routes = new FunctionRoutes(Table());

        Assert.Null(routes.Claim("i0", _ => null)); // another node's instance: its own node counts it
        Assert.Null(routes.Claim("unknown", id => _entered.TryGetValue(id, out var n) ? n : null));
        Assert.Equal("i0", Pick(routes)?.InstanceId);
    }

    private DirectRoute? Pick(FunctionRoutes routes) =>
        routes.TryPick(LeastRequests, new RoutingContext(Node, null, new Random(1)), id => _entered.TryGetValue(id, out var n) ? n : null, _ => false, now: 0, lostTicks: 1);

    private static RouteTable Table(long revision = 1) => new()
    {
        FunctionKey = "acme/cls",
        Version = 1,
        Revision = revision,
        Instances = [new RouteEntry("i0", Node, 0)],
        Capacity = 1,
        Routing = PolicyNames.LeastRequests,
    };
}
