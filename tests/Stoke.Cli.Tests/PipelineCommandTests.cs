using Stoke.Cli.Tests.Support;

namespace Stoke.Cli.Tests;

/// <summary><c>stoke deploy-pipeline</c> with the shipped OCR spec, and <c>stoke describe</c> of the pipeline.</summary>
public sealed class PipelineCommandTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task DeployPipelineThenDescribeShowsItsSteps()
    {
        var server = node.Address;
        var models = Path.Combine(Path.GetDirectoryName(TestNode.ClassifierPath)!);
        foreach (var (name, file) in new[] { ("ocr-det", "ch_PP-OCRv4_det_infer.onnx"), ("ocr-cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx"), ("ocr-rec", "ch_PP-OCRv4_rec_infer.onnx") })
        {
            var (deployed, log) = await CliRun.InvokeAsync("deploy", name, "--model", Path.Combine(models, file), "--server", server);
            Assert.True(deployed == 0, log);
        }

        var spec = Path.Combine(ToolPackage.SolutionRoot, "samples", "pipelines", "ocr.json");
        var (code, output) = await CliRun.InvokeAsync("deploy-pipeline", "ocr", "--spec", spec, "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("Deployed pipeline ocr version 1", output, StringComparison.Ordinal);

        (code, output) = await CliRun.InvokeAsync("describe", "ocr", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("pipeline steps", output, StringComparison.Ordinal);
        Assert.Contains("function ocr-rec", output, StringComparison.Ordinal);
        Assert.Contains("transform ctc.decode", output, StringComparison.Ordinal);
    }
}
