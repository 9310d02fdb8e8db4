using System.Net;
using System.Text.Json.Nodes;
using Stoke.Client;
using Stoke.Pipelines.Tests.Support;

namespace Stoke.Pipelines.Tests;

/// <summary>
/// Two consecutive function steps (the classifier's two slices) served by one composite function under fusion
/// <c>auto</c>, against the same steps with fusion off and the whole model, on a real node.
/// </summary>
public sealed class CompositeFusionTests(ClassifierSlices cls) : IClassFixture<ClassifierSlices>
{
    private const string Group = "part1+part2";

    [Fact]
    public async Task CompositeGivesTheUnfusedAndTheWholeModelsOutputsInOneCall()
    {
        using var client = cls.Node.Client();
        await client.DeployPipelineAsync("cls-fused", cls.Spec().ToJsonString());
        await client.DeployPipelineAsync("cls-unfused", cls.Spec("off").ToJsonString());

        var fused = await client.InferAsync("cls-fused", ClassifierSlices.Request());
        var unfused = await client.InferAsync("cls-unfused", ClassifierSlices.Request());
        var whole = await client.InferAsync("cls-whole", ClassifierSlices.Request());

        Assert.True(fused.Status == HttpStatusCode.OK, fused.Text);
        Assert.True(unfused.Status == HttpStatusCode.OK, unfused.Text);
        var expected = ClassifierSlices.Floats(whole, "softmax_0.tmp_0");
        Assert.Equal(4, expected.Length);
        AssertClose(expected, ClassifierSlices.Floats(unfused, "probs"));
        AssertClose(expected, ClassifierSlices.Floats(fused, "probs"));

        // The fused request made one call, to the composite; the unfused one called each slice.
        var steps = (await client.DescribePipelineAsync("cls-fused"))["lastRequest"]!["steps"]!.AsArray();
        Assert.All(steps, s => Assert.Equal(Group, s!["fused"]!.GetValue<string>()));
        Assert.Equal(0, steps.Single(s => s!["step"]!.GetValue<string>() == "part2")!["ms"]!.GetValue<double>());
        // ... on an instance of the composite function.
        var composite = (await client.DescribeAsync("cls-fused.part1.part2"))["status"]![0]!["instances"]!.AsArray();
        Assert.Contains(composite, i => i!["instanceId"]!.GetValue<string>() == steps[0]!["instance"]!.GetValue<string>());
        var unfusedSteps = (await client.DescribePipelineAsync("cls-unfused"))["lastRequest"]!["steps"]!.AsArray();
        Assert.All(unfusedSteps, s => Assert.Null(s!["fused"]));
    }

    [Fact]
    public async Task DescribeNamesTheCompositeAndWhy()
    {
        using var client = cls.Node.Client();
        await client.DeployPipelineAsync("cls-why", cls.Spec().ToJsonString());

        var fusion = (await client.DescribePipelineAsync("cls-why"))["fusion"]!;

        var group = Assert.Single(fusion["groups"]!.AsArray())!;
        Assert.Equal(Group, group["name"]!.GetValue<string>());
        Assert.True(group["composite"]!.GetValue<bool>());
        Assert.Contains("'part2' reads only 'part1' and is all that reads it; pinned ONNX functions of", group["reason"]!.GetValue<string>());
        Assert.Contains("one composite graph joined from their models serves them in one call on one instance", group["reason"]!.GetValue<string>());
        Assert.Empty(fusion["notFused"]!.AsArray());
        var composite = await client.DescribeAsync("cls-why.part1.part2");
        Assert.Equal("cls-why", composite["latest"]!["derived"]!["pipeline"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("read-twice", "'part1' is read by more than 'part2'")]
    [InlineData("too-large", "hold 0.")]
    [InlineData("unpinned", "'part2' follows the latest version of 'cls-part2': only steps pinned to a version fuse")]
    public async Task StepsThatAreNotAlwaysCalledTogetherOrTooLargeAreNotFused(string variant, string reason)
    {
        using var client = cls.Node.Client();
        var spec = cls.Spec();
        switch (variant)
        {
            case "read-twice":
                spec["outputs"]![cls.Passed[0]] = "part1." + cls.Passed[0];
                break;
            case "too-large":
                spec["maxFusedMb"] = 0.1;
                break;
            default:
                spec["steps"]![1]!.AsObject().Remove("version");
                break;
        }

        var name = "cls-" + variant;
        await client.DeployPipelineAsync(name, spec.ToJsonString());
        var fusion = (await client.DescribePipelineAsync(name))["fusion"]!;
        var response = await client.InferAsync(name, ClassifierSlices.Request());

        Assert.Empty(fusion["groups"]!.AsArray());
        var pair = Assert.Single(fusion["notFused"]!.AsArray(), n => n!["from"]!.GetValue<string>() == "part1")!;
        Assert.Contains("'part1' and 'part2' call functions, and are not served by one composite: " + (variant == "too-large" ? "'part1' and 'part2' " : "") + reason, pair["reason"]!.GetValue<string>());
        Assert.DoesNotContain((await client.ListAsync()).AsArray(), f => f!["name"]!.GetValue<string>() == name + ".part1.part2");
        Assert.True(response.Status == HttpStatusCode.OK, response.Text);
    }

    [Fact]
    public async Task DeletingThePipelineDeletesItsCompositeAndKeepsTheSteps()
    {
        using var client = cls.Node.Client();
        await client.DeployPipelineAsync("cls-del", cls.Spec().ToJsonString());
        Assert.Contains(await Names(client), n => n == "cls-del.part1.part2");

        var deleted = await client.DeleteAsync("cls-del");

        Assert.Equal(["cls-del.part1.part2"], deleted["composites"]!.AsArray().Select(c => c!.GetValue<string>()));
        var names = await Names(client);
        Assert.DoesNotContain("cls-del.part1.part2", names);
        Assert.DoesNotContain("cls-del", names);
        Assert.Contains("cls-part1", names);
        Assert.Contains("cls-part2", names);
    }

    [Fact]
    public async Task ANegativeMaxFusedMbIsRefusedNamingTheField()
    {
        using var client = cls.Node.Client();
        var spec = cls.Spec();
        spec["maxFusedMb"] = -1;

        var error = await Assert.ThrowsAsync<StokeClientException>(() => client.DeployPipelineAsync("cls-bad", spec.ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("maxFusedMb", error.Message);
        Assert.DoesNotContain(await Names(client), n => n.StartsWith("cls-bad", StringComparison.Ordinal));
    }

    private static async Task<string[]> Names(StokeClient client) => [.. (await client.ListAsync()).AsArray().Select(f => f!["name"]!.GetValue<string>())];

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-5f, $"differs by up to {worst}");
    }
}
