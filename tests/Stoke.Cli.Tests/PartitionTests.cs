using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Stoke.Cli.Tests.Support;
using Stoke.Client;

namespace Stoke.Cli.Tests;

/// <summary><c>stoke partition</c>: the files it writes, its refusals, and slices deployed as functions on a real node.</summary>
public sealed class PartitionTests(TestNode node) : IClassFixture<TestNode>, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "stoke-cli-partition-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task WritesTheSlicesAndAPlanNamingWhatEachCutPasses()
    {
        var (code, output) = await CliRun.InvokeAsync("partition", TestNode.ClassifierPath, "--parts", "3", "--out", _dir);

        Assert.True(code == 0, output);
        var plan = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "plan.json")))!;
        var slices = plan["slices"]!.AsArray();
        var cuts = plan["cuts"]!.AsArray();
        Assert.Equal(3, slices.Count);
        Assert.Equal(2, cuts.Count);
        Assert.All(slices, s => Assert.True(File.Exists(Path.Combine(_dir, s!["file"]!.GetValue<string>()))));
        // What the first cut passes is exactly what the second slice takes and the first gives.
        var passed = cuts[0]!["tensors"]!.AsArray().Select(t => t!.GetValue<string>()).Order().ToList();
        Assert.Equal(passed, slices[1]!["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).Order());
        Assert.Equal(passed, slices[0]!["outputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).Order());
        Assert.True(cuts[0]!["estimatedBytes"]!.GetValue<long>() > 0);
        Assert.Contains("ch_ppocr_mobile_v2.0_cls_infer-part3.onnx", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MorePartsThanTheGraphAllowsExitsWithTwoAndSaysHowMany()
    {
        var (code, output) = await CliRun.InvokeAsync("partition", TestNode.ClassifierPath, "--parts", "100000", "--out", _dir);

        Assert.Equal(2, code);
        Assert.Contains("The graph allows at most", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir), "Nothing is written when the plan is refused.");
    }

    [Fact]
    public async Task NeedsExactlyOneOfPartsAndMaxPartMb()
    {
        var (code, output) = await CliRun.InvokeAsync("partition", TestNode.ClassifierPath, "--parts", "2", "--max-part-mb", "1", "--out", _dir);

        Assert.NotEqual(0, code);
        Assert.Contains("exactly one of --parts N or --max-part-mb MB", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployedSlicesCalledInSequenceAnswerAsTheWholeModel()
    {
        var (code, output) = await CliRun.InvokeAsync("partition", TestNode.ClassifierPath, "--parts", "2", "--out", _dir, "--deploy", "clsp", "--server", node.Address);
        Assert.True(code == 0, output);

        // part1's outputs, sent as they come back, are part2's inputs.
        var pixels = Enumerable.Range(0, 3 * 48 * 192).Select(i => MathF.Sin(i * 0.01f)).ToArray();
        var data = string.Join(",", pixels.Select(p => p.ToString("R", CultureInfo.InvariantCulture)));
        using var client = new StokeClient(new Uri(node.Address));
        var first = await client.InferAsync("clsp-part1", $$"""{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","data":[{{data}}]}]}""", timeout: TimeSpan.FromSeconds(20));
        Assert.True(first.Status == System.Net.HttpStatusCode.OK, first.Text);
        var passed = new JsonObject { ["inputs"] = first.Json!["outputs"]!.DeepClone() };
        var second = await client.InferAsync("clsp-part2", passed.ToJsonString(), timeout: TimeSpan.FromSeconds(20));
        Assert.True(second.Status == System.Net.HttpStatusCode.OK, second.Text);
        var got = second.Json!["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();

        using var whole = new InferenceSession(TestNode.ClassifierPath);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, 48, 192]);
        using var runOptions = new RunOptions();
        using var expected = whole.Run(runOptions, ["x"], [input], whole.OutputNames);
        var want = expected[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(want.Length, got.Length);
        Assert.All(want.Zip(got), p => Assert.Equal(p.First, p.Second, 1e-5f));

        // The sequence spec over the deployed slices is written beside them and deployed as pipeline clsp, which
        // answers as the whole model in one call.
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "pipeline.json")))!;
        Assert.Equal(["clsp-part1", "clsp-part2"], spec["steps"]!.AsArray().Select(s => s!["function"]!.GetValue<string>()));
        var piped = await client.InferAsync("clsp", $$"""{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","data":[{{data}}]}]}""", timeout: TimeSpan.FromSeconds(20));
        Assert.True(piped.Status == System.Net.HttpStatusCode.OK, piped.Text);
        var pipedValues = piped.Json!["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        Assert.All(want.Zip(pipedValues), p => Assert.Equal(p.First, p.Second, 1e-5f));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
