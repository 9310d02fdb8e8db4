using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using static Stoke.Policies.Tests.Placement.Nodes;

namespace Stoke.Policies.Tests.Placement;

public sealed class EnergyAwarePlacementTests
{
    private static readonly IPlacementPolicy Policy = new PolicyCatalog().CreatePlacement(PolicyNames.EnergyAware);

    [Fact]
    public void AnAwakeNodeWithRoomComesBeforeAnEmptyOneEvenWhenTheEmptyOneFitsTighter()
    {
        NodeView[] nodes =
        [
            Node("empty", 4, 0),
            Node("awake", 64, 8, instances: 1),
        ];

        Assert.Equal("awake", Policy.ChooseNode(Request(2), nodes));
        // Best fit, which packs by memory alone, would take the small empty node and wake it.
        Assert.Equal("empty", new PolicyCatalog().CreatePlacement(PolicyNames.BestFit).ChooseNode(Request(2), nodes));
    }

    [Fact]
    public void ASecondInstanceOfAFunctionLandsBesideTheFirstInsteadOfWakingAnotherNode()
    {
        var request = Request(2);
        NodeView[] nodes =
        [
            Node("a", 16, 2, instances: 1) with { FunctionInstances = new Dictionary<string, int> { [request.FunctionKey] = 1 } },
            Node("b", 16, 0),
        ];

        Assert.Equal("a", Policy.ChooseNode(request, nodes));
        Assert.Equal("b", new PolicyCatalog().CreatePlacement(PolicyNames.LocalityAware).ChooseNode(request, nodes));
    }

    [Fact]
    public void WakesAnEmptyNodeRatherThanEvictOnAnAwakeOne()
    {
        NodeView[] nodes =
        [
            Node("full", 16, 16, reclaimableGiB: 8, instances: 2),
            Node("empty", 16, 0),
        ];

        Assert.Equal("empty", Policy.ChooseNode(Request(4), nodes));
    }

    [Fact]
    public void EvictsOnAnAwakeNodeWhenNoNodeIsEmpty()
    {
        NodeView[] nodes =
        [
            Node("full", 16, 16, reclaimableGiB: 8, instances: 2),
            Node("tight", 16, 14, instances: 1),
        ];

        Assert.Equal("full", Policy.ChooseNode(Request(4), nodes));
        Assert.Null(Policy.ChooseNode(Request(12), nodes));
    }

    [Fact]
    public void AmongAwakeNodesWithRoomTheArtifactsTierThenTheTightestFitDecide()
    {
        NodeView[] nodes =
        [
            Node("loose", 64, 8, instances: 1),
            Node("tight", 16, 12, instances: 1),
            Node("cached", 64, 8, diskTier: ["sha-model"], instances: 1),
        ];

        Assert.Equal("cached", Policy.ChooseNode(Request(2), nodes));
        Assert.Equal("tight", Policy.ChooseNode(Request(2, artifact: "sha-other"), nodes));
    }

    [Fact]
    public void NodesWithoutTheRequestedLabelsAreNotCandidates()
    {
        var gpu = new Dictionary<string, string> { ["gpu"] = "a100" };
        NodeView[] nodes =
        [
            Node("awake", 64, 8, instances: 1),
            Node("gpu", 64, 0, labels: gpu),
        ];

        Assert.Equal("gpu", Policy.ChooseNode(Request(2, labels: gpu), nodes));
    }
}
