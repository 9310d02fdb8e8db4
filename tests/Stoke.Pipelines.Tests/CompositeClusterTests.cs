using System.Net;
using Stoke.Abstractions.Functions;
using Stoke.Integration.Tests.Support;
using Stoke.Pipelines.Tests.Support;

namespace Stoke.Pipelines.Tests;

/// <summary>A composite function placed in a two-silo cluster: deployed through one gateway, served on the other node.</summary>
public sealed class CompositeClusterTests
{
    [Fact]
    public async Task CompositeRunsWhereItsStepsArePlacedAndAnswersThroughEitherGateway()
    {
        await using var cluster = await PeerCluster.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
        using var first = cluster.Client(0);
        using var second = cluster.Client(1);
        // Both slices ask for the second node; the composite takes their placement labels.
        var passed = await ClassifierSlices.DeployAsync(second, PeerCluster.On(1));
        await first.DeployPipelineAsync("cls", ClassifierSlices.Spec(passed, "auto").ToJsonString());

        var viaFirst = await first.InferAsync("cls", ClassifierSlices.Request());
        var viaSecond = await second.InferAsync("cls", ClassifierSlices.Request());
        var whole = await first.InferAsync("cls-whole", ClassifierSlices.Request());

        Assert.True(viaFirst.Status == HttpStatusCode.OK, viaFirst.Text);
        Assert.True(viaSecond.Status == HttpStatusCode.OK, viaSecond.Text);
        var expected = ClassifierSlices.Floats(whole, "softmax_0.tmp_0");
        foreach (var got in new[] { ClassifierSlices.Floats(viaFirst, "probs"), ClassifierSlices.Floats(viaSecond, "probs") })
        {
            Assert.Equal(expected.Length, got.Length);
            Assert.True(expected.Zip(got, (e, g) => Math.Abs(e - g)).Max() <= 1e-5f);
        }

        // The composite's one instance is on the second node; the slices' own functions were never started.
        var composite = FunctionKey.Of("default", "cls.part1.part2");
        Assert.Empty(cluster.Node(0).LoadOf(composite, 1));
        Assert.Single(cluster.Node(1).LoadOf(composite, 1));
        foreach (var slice in new[] { "cls-part1", "cls-part2" })
        {
            Assert.Empty(cluster.Node(0).LoadOf(FunctionKey.Of("default", slice), 1));
            Assert.Empty(cluster.Node(1).LoadOf(FunctionKey.Of("default", slice), 1));
        }
    }
}
