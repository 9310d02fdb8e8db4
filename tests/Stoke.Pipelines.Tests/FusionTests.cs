using System.Net;
using System.Text.Json.Nodes;
using Stoke.Abstractions.Errors;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Tests.Support;

namespace Stoke.Pipelines.Tests;

/// <summary>Fusion on the real OCR pipeline: "ocr" (fusion auto, the default) against the same spec with "fusion": "off".</summary>
public sealed class FusionTests(OcrNode ocr) : IClassFixture<OcrNode>
{
    private static readonly string[] Groups = ["decode+prepare", "boxes+cls-crop"];

    /// <summary>ctc.decode on the recognizer's instances.</summary>
    private const string OnInstance = "recognize+text";

    [Theory]
    [InlineData("page.png", new[] { "Serverless inference", "Cold start: 42 ms", "Batch size 8" })]
    [InlineData("hello.png", new[] { "Hello World 2024" })]
    public async Task FusedAndUnfusedGiveExactlyTheSameTextsBoxesAndScores(string sample, string[] texts)
    {
        using var client = ocr.Node.Client();
        await client.DeployPipelineAsync("ocr-unfused", Off(OcrNode.OcrSpec()));

        var fused = await OcrNode.ReadAsync(client, OcrNode.Sample(sample));
        var fusedTrace = (await client.DescribePipelineAsync("ocr"))["lastRequest"]!["steps"]!.AsArray();
        var unfused = await OcrNode.ReadAsync(client, OcrNode.Sample(sample), "ocr-unfused");
        var unfusedTrace = (await client.DescribePipelineAsync("ocr-unfused"))["lastRequest"]!["steps"]!.AsArray();

        Assert.True(fused.Status == HttpStatusCode.OK, OcrNode.Describe(fused));
        Assert.True(unfused.Status == HttpStatusCode.OK, OcrNode.Describe(unfused));
        Assert.Equal(texts, OcrNode.Texts(fused));
        foreach (var output in new[] { "text", "boxes", "scores" })
        {
            Assert.Equal(Output(unfused, output), Output(fused, output));
        }

        // The fused request really ran its groups as groups, and the unfused one ran every step on its own.
        Assert.Equal(Groups, FusedOf(fusedTrace, "decode", "prepare", "boxes", "cls-crop").Distinct());
        Assert.All(FusedOf(fusedTrace, "detect", "direction", "rec-crop"), Assert.Null);
        Assert.Equal(new string?[] { OnInstance, OnInstance }, FusedOf(fusedTrace, "recognize", "text"));
        Assert.All(FusedOf(unfusedTrace, [.. unfusedTrace.Select(s => s!["step"]!.GetValue<string>())]), Assert.Null);
        Assert.Equal(9, unfusedTrace.Count);
    }

    [Fact]
    public async Task DescribeNamesEachFusedGroupWhyAndWhyTheOtherStepsAreNot()
    {
        using var client = ocr.Node.Client();

        var fusion = (await client.DescribePipelineAsync("ocr"))["fusion"]!;

        Assert.Equal("auto", fusion["policy"]!.GetValue<string>());
        var groups = fusion["groups"]!.AsArray();
        Assert.Equal([OnInstance, .. Groups], groups.Select(g => g!["name"]!.GetValue<string>()));
        Assert.Equal(["recognize", "text"], groups[0]!["steps"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.True(groups[0]!["onInstance"]!.GetValue<bool>());
        Assert.Contains("'text' (transform ctc.decode) reads only 'recognize' and is all that reads it, row by row: it runs on each call's outputs on the node of the instance", groups[0]!["reason"]!.GetValue<string>());
        Assert.Equal(["boxes", "cls-crop"], groups[2]!["steps"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.False(groups[2]!["onInstance"]!.GetValue<bool>());
        Assert.Contains("'prepare' reads 'decode'", groups[1]!["reason"]!.GetValue<string>());
        Assert.Contains("built-in transforms", groups[2]!["reason"]!.GetValue<string>());
        var notFused = fusion["notFused"]!.AsArray().ToDictionary(n => n!["from"] + "->" + n["to"], n => n!["reason"]!.GetValue<string>());
        Assert.Contains("calls function 'ocr-det'", notFused["prepare->detect"]);
        Assert.Contains("calls function 'ocr-det'", notFused["detect->boxes"]);
        Assert.Contains("nor does it run on its instances: 'boxes' also reads something other than 'detect'", notFused["detect->boxes"]);
        Assert.Contains("already followed by 'prepare'", notFused["decode->cls-crop"]);
        Assert.Contains("calls function 'ocr-cls'", notFused["direction->rec-crop"]);
        Assert.Contains("nor does it run on its instances: 'rec-crop' also reads something other than 'direction'", notFused["direction->rec-crop"]);
        Assert.DoesNotContain("recognize->text", notFused.Keys);
        // Every edge of the graph is either inside a group or explained.
        Assert.Equal(12, notFused.Count + groups.Sum(g => g!["steps"]!.AsArray().Count - 1));
    }

    [Fact]
    public async Task ATransformIsNotFusedOntoAFunctionStepThatSomethingElseReads()
    {
        using var client = ocr.Node.Client();
        var spec = JsonNode.Parse(OcrNode.OcrSpec())!;
        spec["outputs"]!["probs"] = "recognize.softmax_11.tmp_0";
        await client.DeployPipelineAsync("ocr-probs", spec.ToJsonString());

        var fusion = (await client.DescribePipelineAsync("ocr-probs"))["fusion"]!;
        var read = await OcrNode.ReadAsync(client, OcrNode.Sample("hello.png"), "ocr-probs");

        Assert.Equal(Groups, fusion["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()));
        var reason = fusion["notFused"]!.AsArray().First(n => n!["from"]!.GetValue<string>() == "recognize")!["reason"]!.GetValue<string>();
        Assert.Contains("nor does it run on its instances: 'recognize' is read by more than 'text'", reason);
        Assert.Equal(["Hello World 2024"], OcrNode.Texts(read));
    }

    [Fact]
    public async Task FusionOffFusesNothingAndSaysSoForEveryPair()
    {
        using var client = ocr.Node.Client();
        await client.DeployPipelineAsync("ocr-off", Off(OcrNode.OcrSpec()));

        var fusion = (await client.DescribePipelineAsync("ocr-off"))["fusion"]!;

        Assert.Equal("off", fusion["policy"]!.GetValue<string>());
        Assert.Empty(fusion["groups"]!.AsArray());
        Assert.Equal(12, fusion["notFused"]!.AsArray().Count);
        Assert.All(fusion["notFused"]!.AsArray(), n => Assert.Equal("fusion is off in the pipeline's spec", n!["reason"]!.GetValue<string>()));
    }

    [Fact]
    public void AnUnknownFusionPolicyIsRefusedNamingTheField()
    {
        var spec = JsonNode.Parse(OcrNode.OcrSpec())!;
        spec["fusion"] = "always";

        var error = Assert.Throws<StokeException>(() => PipelineSpecJson.Parse(spec.ToJsonString()));

        Assert.Equal(StokeErrorKind.BadRequest, error.Kind);
        Assert.Contains("field 'fusion': unknown fusion policy 'always'; known: auto, off", error.Message);
        Assert.Equal("off", PipelineSpecJson.Parse(PipelineSpecJson.Write(PipelineSpecJson.Parse(Off(OcrNode.OcrSpec())))).Fusion);
    }

    private static string Off(string spec)
    {
        var node = JsonNode.Parse(spec)!;
        node["fusion"] = "off";
        return node.ToJsonString();
    }

    private static string Output(Stoke.Client.InferResponse response, string name) =>
        response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == name)!.ToJsonString();

    private static string?[] FusedOf(JsonArray trace, params string[] steps) =>
        [.. steps.Select(s => trace.First(t => t!["step"]!.GetValue<string>() == s)!["fused"]?.GetValue<string>())];
}
