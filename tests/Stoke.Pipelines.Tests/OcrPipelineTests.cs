using System.Net;
using Stoke.Pipelines.Tests.Support;

namespace Stoke.Pipelines.Tests;

/// <summary>The reference OCR pipeline on the real PaddleOCR models, through a real node over HTTP.</summary>
public sealed class OcrPipelineTests(OcrNode ocr) : IClassFixture<OcrNode>
{
    [Fact]
    public async Task PageGivesItsThreeLinesWithTheirBoxes()
    {
        using var client = ocr.Node.Client();
        var response = await OcrNode.ReadAsync(client, OcrNode.Sample("page.png"));

        Assert.True(response.Status == HttpStatusCode.OK, OcrNode.Describe(response));
        Assert.Equal(["Serverless inference", "Cold start: 42 ms", "Batch size 8"], OcrNode.Texts(response));
        var boxes = response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == "boxes")!;
        Assert.Equal("[3,4]", boxes["shape"]!.ToJsonString());
        var values = boxes["data"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        // The lines are printed at y of about 108, 308 and 508 on a 640x640 page, from x of about 40.
        for (var i = 0; i < 3; i++)
        {
            Assert.InRange(values[i * 4], 20, 60);
            Assert.InRange((values[(i * 4) + 1] + values[(i * 4) + 3]) / 2, 90 + (200 * i), 130 + (200 * i));
        }
    }

    [Fact]
    public async Task HelloGivesHelloWorld2024()
    {
        using var client = ocr.Node.Client();
        var response = await OcrNode.ReadAsync(client, OcrNode.Sample("hello.png"));

        Assert.True(response.Status == HttpStatusCode.OK, OcrNode.Describe(response));
        Assert.Equal(["Hello World 2024"], OcrNode.Texts(response));
    }
}

/// <summary>How the OCR pipeline's steps share the runtime: batching, listing, bad input.</summary>
public sealed class OcrServingTests(OcrNode ocr) : IClassFixture<OcrNode>
{
    [Fact]
    public async Task RecognizerCallsOfAPageAndOfConcurrentPagesBatchTogether()
    {
        using var client = ocr.Node.Client();
        await OcrNode.ReadAsync(client, OcrNode.Sample("page.png")); // warm every step
        var pages = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OcrNode.ReadAsync(client, OcrNode.Sample("page.png"))));

        Assert.All(pages, p => Assert.True(p.Status == HttpStatusCode.OK, OcrNode.Describe(p)));
        var sizes = pages.SelectMany(p => RecognizeBatchSizes(p)).ToArray();
        Assert.Equal(12, sizes.Length);                 // one recognizer call per line
        Assert.True(sizes.Max() > 3, "no recognizer batch held lines of more than one page: " + string.Join(",", sizes));
    }

    [Fact]
    public async Task PipelineIsListedAndDescribedLikeAFunction()
    {
        using var client = ocr.Node.Client();
        await OcrNode.ReadAsync(client, OcrNode.Sample("hello.png"));

        var list = await client.ListAsync();
        var entry = list.AsArray().First(f => f!["name"]!.GetValue<string>() == "ocr")!;
        Assert.Equal("pipeline", entry["engine"]!.GetValue<string>());
        var description = await client.DescribePipelineAsync("ocr");
        var steps = description["steps"]!.AsArray();
        Assert.Equal(["decode", "prepare", "detect", "boxes", "cls-crop", "direction", "rec-crop", "recognize", "text"], steps.Select(s => s!["name"]!.GetValue<string>()));
        Assert.True(steps.First(s => s!["name"]!.GetValue<string>() == "recognize")!["function"]!["instances"]!.AsArray().Count >= 1);
        Assert.Equal(9, description["lastRequest"]!["steps"]!.AsArray().Count);
    }

    [Fact]
    public async Task UndecodableImageIs400NamingTheStep()
    {
        using var client = ocr.Node.Client();
        var response = await OcrNode.ReadAsync(client, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5, 6]);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("Step 'decode' (transform image.decode) failed", response.Json!["error"]!.GetValue<string>());
        Assert.DoesNotContain("outputs", response.Text);
        var usage = await client.UsageAsync("ocr");
        Assert.True(usage["functions"]![0]!["failureReasons"]!["bad_request"]!.GetValue<long>() >= 1, usage.ToJsonString());
    }

    [Fact]
    public async Task BadSpecIsRefusedNamingStepAndFieldAndRegistersNothing()
    {
        using var client = ocr.Node.Client();
        var spec = OcrNode.OcrSpec();
        var missing = OcrNode.OcrSpec(suffix: "-nowhere");
        var typeMismatch = spec.Replace("\"x\":\"prepare.tensor\"", "\"x\":\"decode.image\"", StringComparison.Ordinal);
        var cycle = spec.Replace("\"x\":\"cls-crop.lines\"", "\"x\":\"rec-crop.lines\"", StringComparison.Ordinal);
        Assert.NotEqual(spec, typeMismatch);
        Assert.NotEqual(spec, cycle);

        var a = await Assert.ThrowsAsync<Stoke.Client.StokeClientException>(() => client.DeployPipelineAsync("ocr-bad", missing));
        var b = await Assert.ThrowsAsync<Stoke.Client.StokeClientException>(() => client.DeployPipelineAsync("ocr-bad", typeMismatch));
        var c = await Assert.ThrowsAsync<Stoke.Client.StokeClientException>(() => client.DeployPipelineAsync("ocr-bad", cycle));

        Assert.Equal(HttpStatusCode.BadRequest, a.Status);
        Assert.Contains("step 'detect', field 'function': function 'ocr-det-nowhere' is not deployed", a.ServerMessage);
        Assert.Equal(HttpStatusCode.BadRequest, b.Status);
        Assert.Contains("step 'detect', field 'inputs.x': 'decode.image' is UINT8 [-1,-1,3] but it takes FP32 [-1,3,-1,-1]", b.ServerMessage);
        Assert.Equal(HttpStatusCode.BadRequest, c.Status);
        Assert.Contains("the steps form a cycle", c.ServerMessage);
        var list = await client.ListAsync();
        Assert.DoesNotContain(list.AsArray(), f => f!["name"]!.GetValue<string>() == "ocr-bad");
    }

    [Fact]
    public async Task APipelineAndAModelFunctionCannotShareAName()
    {
        using var client = ocr.Node.Client();

        await client.DeployAsync("cls-alone", OcrNode.ClassifierBytes());

        var model = await Assert.ThrowsAsync<Stoke.Client.StokeClientException>(() => client.DeployAsync("ocr", OcrNode.ClassifierBytes()));
        var pipeline = await Assert.ThrowsAsync<Stoke.Client.StokeClientException>(() => client.DeployPipelineAsync("cls-alone", OcrNode.OcrSpec()));

        Assert.Equal(HttpStatusCode.Conflict, model.Status);
        Assert.Equal(HttpStatusCode.Conflict, pipeline.Status);
        Assert.Equal("pipeline", (await client.DescribeAsync("ocr"))["latest"]!["engine"]!.GetValue<string>());
        Assert.Equal("onnx", (await client.DescribeAsync("cls-alone"))["latest"]!["engine"]!.GetValue<string>());
    }

    internal static int[] RecognizeBatchSizes(Stoke.Client.InferResponse response) =>
        [.. response.Header("Stoke-Pipeline-Batch-Sizes")!.Split(';').First(s => s.StartsWith("recognize=", StringComparison.Ordinal))["recognize=".Length..].Split(',').Select(int.Parse)];
}
