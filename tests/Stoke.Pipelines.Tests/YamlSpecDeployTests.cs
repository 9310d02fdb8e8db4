using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Stoke.Client;
using Stoke.Pipelines.Tests.Support;

namespace Stoke.Pipelines.Tests;

/// <summary>
/// The OCR pipeline deployed from samples/pipelines/ocr.yaml through <c>POST /api/pipelines/{name}</c> with a YAML
/// media type, against the same pipeline from ocr.json; and the YAML specs refused with nothing registered.
/// </summary>
public sealed class YamlSpecDeployTests(OcrNode ocr) : IClassFixture<OcrNode>
{
    [Theory]
    [InlineData("application/yaml")]
    [InlineData("text/yaml")]
    [InlineData("application/x-yaml")]
    public async Task YamlSpecReadsHelloAsTheJsonSpecDoes(string mediaType)
    {
        using var client = ocr.Node.Client();
        var name = "ocr-yaml-" + mediaType.Replace('/', '-');
        await client.DeployPipelineAsync(name, OcrYaml(), mediaType);

        var fromJson = await OcrNode.ReadAsync(client, OcrNode.Sample("hello.png"));
        var fromYaml = await OcrNode.ReadAsync(client, OcrNode.Sample("hello.png"), name);

        Assert.True(fromYaml.Status == HttpStatusCode.OK, OcrNode.Describe(fromYaml));
        Assert.Equal(["Hello World 2024"], OcrNode.Texts(fromYaml));
        Assert.Equal(OcrNode.Texts(fromJson), OcrNode.Texts(fromYaml));
        Assert.Equal(Output(fromJson, "boxes"), Output(fromYaml, "boxes"));
        Assert.Equal(Output(fromJson, "scores"), Output(fromYaml, "scores"));
    }

    [Fact]
    public async Task MalformedYamlIs400WithLineAndColumnAndRegistersNothing()
    {
        using var client = ocr.Node.Client();
        var broken = OcrYaml().Replace("    inputs: { x: prepare.tensor }", "    inputs: { x: prepare.tensor", StringComparison.Ordinal);
        Assert.NotEqual(OcrYaml(), broken);

        var error = await RefusedAsync(client, broken);

        Assert.Contains("Pipeline spec, field '(document)': not valid YAML", error, StringComparison.Ordinal);
        // Line 17 is the detect step's inputs; column 16 follows the brace that is never closed.
        Assert.EndsWith("(line 17, column 16)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongTypeIs400NamingTheStepAndFieldAndRegistersNothing()
    {
        using var client = ocr.Node.Client();
        // YAML 1.1 would read `no` as false; here it is the string "no", which prewarm does not take.
        var prewarm = await RefusedAsync(client, OcrYaml() + "prewarm: no\n");
        var version = await RefusedAsync(client, OcrYaml().Replace("    function: ocr-det\n", "    function: ocr-det\n    version: \"1\"\n", StringComparison.Ordinal));

        Assert.Contains("field 'prewarm': must be true or false", prewarm, StringComparison.Ordinal);
        Assert.Contains("step 'detect', field 'version': must be a positive integer", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CycleIs400AndRegistersNothing()
    {
        using var client = ocr.Node.Client();
        var cycle = OcrYaml().Replace("inputs: { x: cls-crop.lines }", "inputs: { x: rec-crop.lines }", StringComparison.Ordinal);
        Assert.NotEqual(OcrYaml(), cycle);

        Assert.Contains("the steps form a cycle", await RefusedAsync(client, cycle), StringComparison.Ordinal);
    }

    /// <summary>samples/pipelines/ocr.yaml with its key file inlined as a double-quoted scalar (a JSON string is one).</summary>
    internal static string OcrYaml()
    {
        var path = Path.Combine(Path.GetDirectoryName(OcrNode.SpecPath)!, "ocr.yaml");
        var keys = File.ReadAllText(Path.Combine(OcrNode.Models, "paddleocr-v4", "ppocr_keys_v1.txt"));
        var quoted = JsonSerializer.Serialize(keys, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var yaml = File.ReadAllText(path);
        var inlined = yaml.Replace("\"@../../../shared/models/paddleocr-v4/ppocr_keys_v1.txt\"", quoted, StringComparison.Ordinal);
        Assert.NotEqual(yaml, inlined);
        return inlined;
    }

    private static async Task<string> RefusedAsync(StokeClient client, string yaml)
    {
        var error = await Assert.ThrowsAsync<StokeClientException>(() => client.DeployPipelineAsync("ocr-bad-yaml", yaml, "application/yaml"));
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        var list = await client.ListAsync();
        Assert.DoesNotContain(list.AsArray(), f => f!["name"]!.GetValue<string>() == "ocr-bad-yaml");
        return error.ServerMessage ?? "";
    }

    private static string Output(InferResponse response, string name) =>
        response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == name)!["data"]!.ToJsonString();
}
