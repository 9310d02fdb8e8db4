using System.Globalization;
using Stoke.Cli.Tests.Support;

namespace Stoke.Cli.Tests;

/// <summary>The management and inference commands against a real node, in the order a user runs them.</summary>
public sealed class EndToEndTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task DeployListInvokeUsageDescribeDelete()
    {
        var server = node.Address;
        var (code, output) = await CliRun.InvokeAsync("deploy", "cls", "--model", TestNode.ClassifierPath, "--max-batch", "4", "--keep-alive-seconds", "30", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("Deployed cls version 1", output, StringComparison.Ordinal);
        Assert.Contains("[-1,3,-1,-1]", output, StringComparison.Ordinal);

        (code, output) = await CliRun.InvokeAsync("list", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("cls", output, StringComparison.Ordinal);

        var input = Path.Combine(Path.GetTempPath(), "stoke-cli-input-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        await File.WriteAllTextAsync(input, TestNode.ClassifierRequest);
        try
        {
            (code, output) = await CliRun.InvokeAsync("invoke", "cls", "--input", "@" + input, "--timeout-ms", "20000", "--server", server);
        }
        finally
        {
            File.Delete(input);
        }

        Assert.True(code == 0, output);
        Assert.Contains("Stoke-Compute-Ms", output, StringComparison.Ordinal);
        Assert.Contains("[1,2]", output, StringComparison.Ordinal);

        (code, output) = await CliRun.InvokeAsync("usage", "cls", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("total", output, StringComparison.Ordinal);

        (code, output) = await CliRun.InvokeAsync("describe", "cls", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("ttl 30 s", output, StringComparison.Ordinal);

        (code, output) = await CliRun.InvokeAsync("status", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("cls", output, StringComparison.Ordinal);
        Assert.Contains("store: files ok", output, StringComparison.Ordinal);

        (code, output) = await CliRun.InvokeAsync("delete", "cls", "--server", server);
        Assert.True(code == 0, output);

        (code, output) = await CliRun.InvokeAsync("describe", "cls", "--server", server);
        Assert.Equal(1, code);
        Assert.Contains("Unknown function 'cls'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASampleTextEncoderDeploysAsAnEmbeddingFunctionAnsweringBothApis()
    {
        var server = node.Address;
        var (code, output) = await CliRun.InvokeAsync("deploy", "minilm-both", "--sample", "minilm", "--server", server);
        Assert.True(code == 0, output);

        (code, output) = await CliRun.InvokeAsync("invoke", "minilm-both", "--text", "Serverless inference in .NET", "--server", server);
        using var http = new HttpClient { BaseAddress = new Uri(server) };
        using var embeddings = await http.PostAsync("/v1/embeddings", new StringContent(
            """{"model":"minilm-both","input":["A cat sits on the mat.","Stock markets fell."]}""", System.Text.Encoding.UTF8, "application/json"));
        var body = System.Text.Json.Nodes.JsonNode.Parse(await embeddings.Content.ReadAsStringAsync())!;

        Assert.True(code == 0, output);
        Assert.Equal(System.Net.HttpStatusCode.OK, embeddings.StatusCode);
        Assert.Equal(2, body["data"]!.AsArray().Count);
        Assert.Equal(384, body["data"]![0]!["embedding"]!.AsArray().Count);
    }

    [Fact]
    public async Task InvokeOfUnknownFunctionReportsTheServersError()
    {
        var (code, output) = await CliRun.InvokeAsync("invoke", "nope", "--input", """{"inputs":[]}""", "--server", node.Address);
        Assert.Equal(1, code);
        Assert.Contains("404", output, StringComparison.Ordinal);
    }
}
