using System.Text;
using System.Text.Json.Nodes;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Samples;

namespace Stoke.Pipelines.Tests.Support;

/// <summary>A real node with the three PaddleOCR functions and the reference OCR pipeline deployed from samples/pipelines/ocr.json.</summary>
public sealed class OcrNode : IAsyncLifetime
{
    public EmbeddedStoke Node { get; private set; } = null!;

    public static string Models => SharedModels.TryFind(out var dir) ? dir : throw new InvalidOperationException("../shared/models is missing (CI has it)");

    public static string SpecPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "samples", "pipelines", "ocr.json");
                if (File.Exists(path))
                {
                    return path;
                }
            }

            throw new FileNotFoundException("samples/pipelines/ocr.json");
        }
    }

    public async Task InitializeAsync()
    {
        Node = await EmbeddedStoke.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
        using var client = Node.Client();
        await DeployFunctionsAsync(client, "");
        await client.DeployPipelineAsync("ocr", OcrSpec());
    }

    /// <summary>Deploys ocr-det, ocr-cls and ocr-rec (with <paramref name="suffix"/> after each name).</summary>
    public static async Task DeployFunctionsAsync(StokeClient client, string suffix)
    {
        var dir = Path.Combine(Models, "paddleocr-v4");
        Dictionary<string, string> settings = new() { ["keepAliveSeconds"] = "600", ["maxBatchSize"] = "16", ["maxQueueDelayMs"] = "20" };
        await client.DeployAsync("ocr-det" + suffix, File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_det_infer.onnx")), settings);
        await client.DeployAsync("ocr-cls" + suffix, File.ReadAllBytes(Path.Combine(dir, "ch_ppocr_mobile_v2.0_cls_infer.onnx")), settings);
        await client.DeployAsync("ocr-rec" + suffix, File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_rec_infer.onnx")), settings);
    }

    /// <summary>The shipped OCR spec with its key file inlined, its function names given <paramref name="suffix"/>.</summary>
    public static string OcrSpec(string suffix = "", bool prewarm = true)
    {
        var spec = JsonNode.Parse(PipelineSpecFiles.Read(SpecPath))!;
        foreach (var step in spec["steps"]!.AsArray())
        {
            if (step!["function"] is JsonNode f)
            {
                step["function"] = f.GetValue<string>() + suffix;
            }
        }

        spec["prewarm"] = prewarm;
        return spec.ToJsonString();
    }

    /// <summary>An OIP binary request carrying one encoded image as a BYTES element.</summary>
    public static (string Header, byte[] Tail) ImageRequest(byte[] image)
    {
        var tail = new byte[4 + image.Length];
        BitConverter.TryWriteBytes(tail, image.Length);
        image.CopyTo(tail, 4);
        var header = $$$"""{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":{{{tail.Length}}}}}]}""";
        return (header, tail);
    }

    public static byte[] ClassifierBytes() => File.ReadAllBytes(Path.Combine(Models, "paddleocr-v4", "ch_ppocr_mobile_v2.0_cls_infer.onnx"));

    public static byte[] Sample(string file) => File.ReadAllBytes(Path.Combine(Models, "samples", file));

    public static async Task<InferResponse> ReadAsync(StokeClient client, byte[] image, string pipeline = "ocr")
    {
        var (header, tail) = ImageRequest(image);
        return await client.InferBinaryAsync(pipeline, header, tail);
    }

    public static string[] Texts(InferResponse response) =>
        [.. response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == "text")!["data"]!.AsArray().Select(t => t!.GetValue<string>())];

    public async Task DisposeAsync() => await Node.DisposeAsync();

    internal static string Describe(InferResponse r) => $"{r.Status}: {Encoding.UTF8.GetString(r.Body)[..Math.Min(400, r.Body.Length)]}";
}
