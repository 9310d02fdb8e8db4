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
