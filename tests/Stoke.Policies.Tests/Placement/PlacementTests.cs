using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using static Stoke.Policies.Tests.Placement.Nodes;

namespace Stoke.Policies.Tests.Placement;

public sealed class PlacementTests
{
    private static IPlacementPolicy Create(string name) => new PolicyCatalog().CreatePlacement(name);

    // a: 10 GiB free, b: 3 GiB free, c: 5 GiB free.
    private static readonly NodeView[] Cluster =
    [
        Node("a", 16, 6),
        Node("b", 16, 13),
        Node("c", 16, 11),
    ];

    [Fact]
    public void LocalitySpreadsASecondInstanceOntoAnotherNodeEvenWithoutTheArtifact()
    {
        var request = Request(2);
        NodeView[] nodes =
        [
            Node("a", 16, 6, memoryTier: [request.ArtifactSha256]) with { FunctionInstances = new Dictionary<string, int> { [request.FunctionKey] = 1 } },
            Node("b", 16, 6),
        ];

        Assert.Equal("b", Create(PolicyNames.LocalityAware).ChooseNode(request, nodes));
    }

    [Fact]
    public void FirstFitTakesTheFirstNodeWithRoom() =>
        Assert.Equal("a", Create(PolicyNames.FirstFit).ChooseNode(Request(2), Cluster));

    [Fact]
    public void BestFitLeavesTheLeastMemoryFree() =>
        Assert.Equal("b", Create(PolicyNames.BestFit).ChooseNode(Request(2), Cluster));

    [Fact]
    public void LocalityPrefersTheNodeHoldingTheArtifactInMemory()
    {
        NodeView[] nodes =
        [
            Node("a", 16, 6, diskTier: ["sha-model"]),
            Node("b", 16, 13),
            Node("c", 16, 11, memoryTier: ["sha-model"]),
        ];

        Assert.Equal("c", Create(PolicyNames.LocalityAware).ChooseNode(Request(2), nodes));
    }

    [Fact]
    public void LocalityPrefersDiskTierOverNoCopy()
    {
        NodeView[] nodes =
        [
            Node("a", 16, 6, diskTier: ["sha-model"]),
            Node("b", 16, 13),
        ];

        Assert.Equal("a", Create(PolicyNames.LocalityAware).ChooseNode(Request(2), nodes));
    }

    [Fact]
    public void LocalityFallsBackToBestFitWithoutACopy() =>
        Assert.Equal("b", Create(PolicyNames.LocalityAware).ChooseNode(Request(2), Cluster));

    [Theory]
    [InlineData(PolicyNames.FirstFit)]
    [InlineData(PolicyNames.BestFit)]
    [InlineData(PolicyNames.LocalityAware)]
    public void ReturnsNullWhenNothingFitsEvenAfterEviction(string name) =>
        Assert.Null(Create(name).ChooseNode(Request(11), [Node("a", 16, 6), Node("b", 16, 10, reclaimableGiB: 4)]));

    [Theory]
    [InlineData(PolicyNames.FirstFit)]
    [InlineData(PolicyNames.BestFit)]
    [InlineData(PolicyNames.LocalityAware)]
    public void CountsReclaimableMemory(string name) =>
        Assert.Equal("b", Create(name).ChooseNode(Request(6), [Node("a", 16, 12), Node("b", 16, 12, reclaimableGiB: 4)]));

    [Theory]
    [InlineData(PolicyNames.FirstFit)]
    [InlineData(PolicyNames.BestFit)]
    [InlineData(PolicyNames.LocalityAware)]
    public void PrefersANodeThatNeedsNoEviction(string name) =>
        Assert.Equal("b", Create(name).ChooseNode(Request(2), [Node("a", 16, 15, reclaimableGiB: 8), Node("b", 16, 6)]));

    [Theory]
    [InlineData(PolicyNames.FirstFit)]
    [InlineData(PolicyNames.BestFit)]
    [InlineData(PolicyNames.LocalityAware)]
    public void OnlyPlacesOnNodesWithEveryRequestedLabel(string name)
    {
        NodeView[] nodes =
        [
            Node("cpu", 16, 13, memoryTier: ["sha-model"], labels: new() { ["zone"] = "eu" }),
            Node("gpu-us", 16, 0, labels: new() { ["accelerator"] = "gpu", ["zone"] = "us" }),
            Node("gpu-eu", 16, 8, labels: new() { ["accelerator"] = "gpu", ["zone"] = "eu" }),
        ];

        var request = Request(2, labels: new() { ["accelerator"] = "gpu", ["zone"] = "eu" });

        Assert.Equal("gpu-eu", Create(name).ChooseNode(request, nodes));
    }
}
