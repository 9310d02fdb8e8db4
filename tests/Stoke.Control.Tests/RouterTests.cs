using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Control.Routing;
using Stoke.Policies;

namespace Stoke.Control.Tests;

public sealed class RouterTests
{
    private static readonly PolicyCatalog Catalog = new();

    private static RoutingContext Context(string? local = null, string? key = null) => new(local, key, new Random(3));

    [Fact]
    public void SaturatedInstancesAreNeverPicked()
    {
        RouteCandidate[] candidates = [new("a", "n1", 2), new("b", "n1", 1), new("c", "n2", 2)];

        var pick = Router.Pick(Catalog.GetRouting(PolicyNames.BinPack), candidates, capacity: 2, Context());

        Assert.Equal("b", candidates[pick].InstanceId);
    }

    [Fact]
    public void AllSaturatedMeansNone()
    {
        RouteCandidate[] candidates = [new("a", "n1", 2), new("b", "n1", 3)];

        Assert.Equal(-1, Router.Pick(Catalog.GetRouting(PolicyNames.LeastRequests), candidates, capacity: 2, Context()));
    }

    [Fact]
    public void WithoutALimitEveryInstanceIsACandidate()
    {
        RouteCandidate[] candidates = [new("a", "n1", 50), new("b", "n1", 60)];

        Assert.Equal(0, Router.Pick(Catalog.GetRouting(PolicyNames.LeastRequests), candidates, capacity: 0, Context()));
    }
}
