using Stoke.Abstractions.Functions;

namespace Stoke.Policies.Tests.Routing;

public sealed class RoutingPolicyTests
{
    private static readonly PolicyCatalog Catalog = new();

    private static RoutingContext Context(string? local = null, string? key = null, int seed = 1) => new(local, key, new Random(seed));

    [Fact]
    public void LeastRequestsTakesTheIdlestAndTheOldestAmongEquals()
    {
        RouteCandidate[] candidates = [new("a", "n1", 3), new("b", "n1", 1), new("c", "n2", 1)];

        Assert.Equal(1, Catalog.GetRouting(PolicyNames.LeastRequests).Pick(candidates, Context()));
    }

    [Fact]
    public void PowerOfTwoNeverPicksTheBusiestOfThree()
    {
        // Of any two distinct candidates it takes the less busy, so the busiest is never chosen.
        RouteCandidate[] candidates = [new("a", "n1", 9), new("b", "n1", 1), new("c", "n2", 2)];
        var policy = Catalog.GetRouting(PolicyNames.PowerOfTwoChoices);

        var picks = Enumerable.Range(0, 300).Select(seed => policy.Pick(candidates, Context(seed: seed))).ToList();

        Assert.DoesNotContain(0, picks);
        Assert.Contains(2, picks);
    }

    [Fact]
    public void LocalFirstPrefersAnInstanceOnTheGatewaysNodeOverAnIdlerRemoteOne()
    {
        RouteCandidate[] candidates = [new("a", "n1", 1), new("b", "n2", 5), new("c", "n2", 3)];

        Assert.Equal(2, Catalog.GetRouting(PolicyNames.LocalFirst).Pick(candidates, Context(local: "n2")));
    }

    [Fact]
    public void LocalFirstSpillsWhenTheLocalInstanceHasMoreThanTwiceTheLoad()
    {
        RouteCandidate[] candidates = [new("a", "n1", 1), new("b", "n2", 4)];

        Assert.Equal(0, Catalog.GetRouting(PolicyNames.LocalFirst).Pick(candidates, Context(local: "n2")));
    }

    [Fact]
    public void LocalFirstFallsBackToLeastRequestsWithoutALocalInstance()
    {
        RouteCandidate[] candidates = [new("a", "n1", 4), new("b", "n2", 1)];

        Assert.Equal(1, Catalog.GetRouting(PolicyNames.LocalFirst).Pick(candidates, Context(local: "n3")));
    }

    [Fact]
    public void AffinityKeepsAKeyOnItsInstanceWhenAnotherInstanceComes()
    {
        var policy = Catalog.GetRouting(PolicyNames.Affinity);
        RouteCandidate[] three = [new("a", "n1", 0), new("b", "n1", 0), new("c", "n2", 0)];
        RouteCandidate[] four = [.. three, new("d", "n2", 0)];
        var keys = Enumerable.Range(0, 200).Select(i => "session-" + i).ToList();

        var before = keys.Select(k => three[policy.Pick(three, Context(key: k))].InstanceId).ToList();
        var after = keys.Select(k => four[policy.Pick(four, Context(key: k))].InstanceId).ToList();
        var moved = before.Zip(after).Count(p => p.First != p.Second);

        // Rendezvous hashing moves only the keys the new instance wins (about a quarter), never between old ones.
        Assert.All(before.Zip(after).Where(p => p.First != p.Second), p => Assert.Equal("d", p.Second));
        Assert.InRange(moved, 1, 100);
    }

    [Fact]
    public void AffinityWithoutAKeyIsLeastRequests()
    {
        RouteCandidate[] candidates = [new("a", "n1", 4), new("b", "n2", 1)];

        Assert.Equal(1, Catalog.GetRouting(PolicyNames.Affinity).Pick(candidates, Context()));
    }

    [Fact]
    public void BinPackTakesTheBusiest()
    {
        RouteCandidate[] candidates = [new("a", "n1", 1), new("b", "n1", 3), new("c", "n2", 2)];

        Assert.Equal(1, Catalog.GetRouting(PolicyNames.BinPack).Pick(candidates, Context()));
    }

    [Fact]
    public void UnknownRoutingIsRejectedAtDeployNamingTheKnownOnes()
    {
        var spec = Specs.With(new ScalingOptions()) with { Routing = "round-robin" };

        var error = Assert.Throws<ArgumentException>(() => Catalog.Validate(spec));

        Assert.Contains("round-robin", error.Message, StringComparison.Ordinal);
        Assert.Contains(PolicyNames.PowerOfTwoChoices, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownPlacementOrEvictionIsRejectedForANode()
    {
        Assert.Throws<ArgumentException>(() => Catalog.ValidateNode("fastest", PolicyNames.LruEviction));
        Assert.Throws<ArgumentException>(() => Catalog.ValidateNode(PolicyNames.BestFit, "random"));
    }

    [Fact]
    public void HostRoutingPolicyIsKnownByItsName()
    {
        var catalog = new PolicyCatalog(new Stoke.Policies.KeepAlive.HistogramOptions(), [new FirstCandidate()], []);

        Assert.Equal("first", catalog.GetRouting("first").Name);
        Assert.Throws<ArgumentException>(() => new PolicyCatalog(new Stoke.Policies.KeepAlive.HistogramOptions(), [new FirstCandidate(), new FirstCandidate()], []));
    }

    private sealed class FirstCandidate : IRoutingPolicy
    {
        public string Name => "first";

        public int Pick(ReadOnlySpan<RouteCandidate> candidates, in RoutingContext context) => 0;
    }
}
