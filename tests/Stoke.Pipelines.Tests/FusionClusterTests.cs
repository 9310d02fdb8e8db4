using System.Net;
using Stoke.Abstractions.Functions;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Pipelines.Tests.Support;

namespace Stoke.Pipelines.Tests;

/// <summary>
/// ctc.decode fused onto the recognizer's instances when that instance is on another node than the gateway the
/// request entered: the other node runs it, and the answer is the unfused pipeline's.
/// </summary>
public sealed class FusionClusterTests
{
    [Fact]
    public async Task FusedStepRunsOnTheRemoteInstancesNodeAndGivesTheUnfusedAnswer()
    {
        await using var cluster = await PeerCluster.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
        using var client = cluster.Client(0);
        var dir = Path.Combine(OcrNode.Models, "paddleocr-v4");
        await client.DeployAsync("ocr-det", File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_det_infer.onnx")), PeerCluster.On(0));
        await client.DeployAsync("ocr-cls", File.ReadAllBytes(Path.Combine(dir, "ch_ppocr_mobile_v2.0_cls_infer.onnx")), PeerCluster.On(0));
        await client.DeployAsync("ocr-rec", File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_rec_infer.onnx")), PeerCluster.On(1));
        var off = System.Text.Json.Nodes.JsonNode.Parse(OcrNode.OcrSpec())!;
        off["fusion"] = "off";
        await client.DeployPipelineAsync("ocr", OcrNode.OcrSpec());
        await client.DeployPipelineAsync("ocr-off", off.ToJsonString());

        var fused = await OcrNode.ReadAsync(client, OcrNode.Sample("page.png"));
        var unfused = await OcrNode.ReadAsync(client, OcrNode.Sample("page.png"), "ocr-off");

        Assert.True(fused.Status == HttpStatusCode.OK, OcrNode.Describe(fused));
        Assert.Equal(["Serverless inference", "Cold start: 42 ms", "Batch size 8"], OcrNode.Texts(fused));
        foreach (var output in new[] { "text", "scores", "boxes" })
        {
            Assert.Equal(Output(unfused, output), Output(fused, output));
        }

        // The recognizer ran only on the second node, so that is where its fused step ran.
        var recognizer = FunctionKey.Of("default", "ocr-rec");
        Assert.Empty(cluster.Node(0).LoadOf(recognizer, 1));
        Assert.Single(cluster.Node(1).LoadOf(recognizer, 1));
        var trace = (await client.DescribePipelineAsync("ocr"))["lastRequest"]!["steps"]!.AsArray();
        Assert.Equal("recognize+text", trace.First(s => s!["step"]!.GetValue<string>() == "text")!["fused"]!.GetValue<string>());
    }

    private static string Output(InferResponse response, string name) =>
        response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == name)!.ToJsonString();
}
