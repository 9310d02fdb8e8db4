using System.Net;
using Stoke.Integration.Tests.Support;
using Stoke.Pipelines.Tests.Support;

namespace Stoke.Pipelines.Tests;

/// <summary>A cold pipeline starts its later function steps while its first one loads (chain-aware cold start).</summary>
public sealed class ChainColdStartTests
{
    [Fact]
    public async Task ColdRequestStartsEveryLaterFunctionStepBeforeItsCallArrives()
    {
        await using var node = await EmbeddedStoke.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
        using var client = node.Client();
        await OcrNode.DeployFunctionsAsync(client, "");
        await client.DeployPipelineAsync("ocr", OcrNode.OcrSpec());

        var response = await OcrNode.ReadAsync(client, OcrNode.Sample("hello.png"));

        Assert.True(response.Status == HttpStatusCode.OK, OcrNode.Describe(response));
        Assert.Equal("detect,direction,recognize", response.Header("Stoke-Pipeline-Prewarmed"));
        foreach (var function in new[] { "ocr-cls", "ocr-rec" })
        {
            // The instance was started by the pre-warm, not by its step's request arriving at a cold function.
            var starts = await StartReasonsAsync(client, function);
            var why = function + ": " + await DecisionsAsync(client, function);
            Assert.True(starts.Length == 1, why);
            Assert.True(starts[0].Contains("pipeline ocr pre-warm", StringComparison.Ordinal), why);
        }
    }

    [Fact]
    public async Task WithoutPrewarmEachStepStartsWhenItsRequestArrives()
    {
        await using var node = await EmbeddedStoke.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
        using var client = node.Client();
        await OcrNode.DeployFunctionsAsync(client, "");
        await client.DeployPipelineAsync("ocr", OcrNode.OcrSpec(prewarm: false));

        var response = await OcrNode.ReadAsync(client, OcrNode.Sample("hello.png"));

        Assert.True(response.Status == HttpStatusCode.OK, OcrNode.Describe(response));
        Assert.Equal("", response.Header("Stoke-Pipeline-Prewarmed"));
        var starts = await StartReasonsAsync(client, "ocr-rec");
        Assert.Contains("scale from zero", Assert.Single(starts));
    }

    // Every decision the function's controller logged, with its time: what a failure shows.
    private static async Task<string> DecisionsAsync(Stoke.Client.StokeClient client, string function)
    {
        var description = await client.DescribeAsync(function);
        return string.Join(" | ", description["status"]![0]!["recentDecisions"]!.AsArray().Select(d => d!.ToJsonString()));
    }

    private static async Task<string[]> StartReasonsAsync(Stoke.Client.StokeClient client, string function)
    {
        var description = await client.DescribeAsync(function);
        return [.. description["status"]![0]!["recentDecisions"]!.AsArray()
            .Where(d => d!["kind"]!.GetValue<string>() == "start").Select(d => d!["detail"]!.GetValue<string>())];
    }
}
