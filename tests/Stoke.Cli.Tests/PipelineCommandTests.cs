using System.Text.Json.Nodes;
using Stoke.Cli.Tests.Support;
using Stoke.Client;

namespace Stoke.Cli.Tests;

/// <summary><c>stoke deploy-pipeline</c> with the shipped OCR specs (JSON and YAML), and <c>stoke describe</c> of the pipeline.</summary>
public sealed class PipelineCommandTests(TestNode node) : IClassFixture<TestNode>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stoke-cli-yaml-").FullName;

    [Fact]
    public async Task DeployPipelineThenDescribeShowsItsSteps()
    {
        var server = node.Address;
        await DeployOcrFunctionsAsync(server);

        await DeploySamplePipelineAsync(server, "ocr", "ocr.json");

        var (code, output) = await CliRun.InvokeAsync("describe", "ocr", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("pipeline steps", output, StringComparison.Ordinal);
        Assert.Contains("function ocr-rec", output, StringComparison.Ordinal);
        Assert.Contains("transform ctc.decode", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task YamlSpecWithItsKeyFileDeploysAndReadsHello()
    {
        var server = node.Address;
        await DeployOcrFunctionsAsync(server);

        await DeploySamplePipelineAsync(server, "ocr-yaml", "ocr.yaml");

        using var client = new StokeClient(new Uri(server));
        var image = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(TestNode.ClassifierPath)!, "..", "samples", "hello.png"));
        var tail = new byte[4 + image.Length];
        BitConverter.TryWriteBytes(tail, image.Length);
        image.CopyTo(tail, 4);
        var header = $$$"""{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":{{{tail.Length}}}}}]}""";
        var response = await client.InferBinaryAsync("ocr-yaml", header, tail);
        var text = response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == "text")!["data"]!.AsArray();
        Assert.Equal(["Hello World 2024"], text.Select(t => t!.GetValue<string>()));
    }

    [Fact]
    public async Task MalformedYamlFileExitsWithTwoNamingItsLineAndRegistersNothing()
    {
        var spec = Path.Combine(_dir, "broken.yml");
        await File.WriteAllTextAsync(spec, "inputs:\n  - name: image\n   datatype: BYTES\n");

        var (code, output) = await CliRun.InvokeAsync("deploy-pipeline", "ocr-broken", "--spec", spec, "--server", node.Address);

        Assert.Equal(2, code);
        Assert.Contains("not valid YAML", output, StringComparison.Ordinal);
        Assert.Contains("(line 3, column 4)", output, StringComparison.Ordinal);
        using var client = new StokeClient(new Uri(node.Address));
        Assert.DoesNotContain((await client.ListAsync()).AsArray(), f => f!["name"]!.GetValue<string>() == "ocr-broken");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task DeploySamplePipelineAsync(string server, string name, string file)
    {
        var spec = Path.Combine(ToolPackage.SolutionRoot, "samples", "pipelines", file);
        var (code, output) = await CliRun.InvokeAsync("deploy-pipeline", name, "--spec", spec, "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains($"Deployed pipeline {name} version 1", output, StringComparison.Ordinal);
    }

    private static async Task DeployOcrFunctionsAsync(string server)
    {
        var models = Path.GetDirectoryName(TestNode.ClassifierPath)!;
        foreach (var (name, file) in new[] { ("ocr-det", "ch_PP-OCRv4_det_infer.onnx"), ("ocr-cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx"), ("ocr-rec", "ch_PP-OCRv4_rec_infer.onnx") })
        {
            var (deployed, log) = await CliRun.InvokeAsync("deploy", name, "--model", Path.Combine(models, file), "--server", server);
            Assert.True(deployed == 0, log);
        }
    }
}
