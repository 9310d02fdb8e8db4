using System.Text.Json.Nodes;
using Google.Protobuf;
using Inference;
using Stoke.Client;
using Stoke.Samples;

namespace Stoke.Grpc.Tests.Support;

/// <summary>The reference OCR pipeline (samples/pipelines/ocr.json on the three PaddleOCR models), deployed by tenant acme.</summary>
public static class OcrPipeline
{
    public const string Name = "ocr";

    public static string Models => SharedModels.TryFind(out var dir) ? dir : throw new InvalidOperationException("../shared/models is missing: the gRPC pipeline tests need PaddleOCR.");

    public static byte[] Sample(string file) => File.ReadAllBytes(Path.Combine(Models, "samples", file));

    public static async Task DeployAsync(StokeClient rest)
    {
        var dir = Path.Combine(Models, "paddleocr-v4");
        Dictionary<string, string> settings = new() { ["keepAliveSeconds"] = "300", ["maxBatchSize"] = "16", ["maxQueueDelayMs"] = "20" };
        await rest.DeployAsync("ocr-det", File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_det_infer.onnx")), settings);
        await rest.DeployAsync("ocr-cls", File.ReadAllBytes(Path.Combine(dir, "ch_ppocr_mobile_v2.0_cls_infer.onnx")), settings);
        await rest.DeployAsync("ocr-rec", File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_rec_infer.onnx")), settings);
        await rest.DeployPipelineAsync(Name, PipelineSpecFiles.Read(SpecPath()));
    }

    /// <summary>A gRPC request carrying the image file as one BYTES element in typed contents.</summary>
    public static ModelInferRequest Request(byte[] image, string model = Name)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "BYTES", Shape = { 1 }, Contents = new InferTensorContents() };
        input.Contents.BytesContents.Add(ByteString.CopyFrom(image));
        return new ModelInferRequest { ModelName = model, Id = "page-1", Inputs = { input } };
    }

    /// <summary>The same image as a REST binary-extension request: a 4-byte little-endian length, then the file.</summary>
    public static (string Header, byte[] Tail) RestRequest(byte[] image)
    {
        var tail = new byte[4 + image.Length];
        BitConverter.TryWriteBytes(tail, image.Length);
        image.CopyTo(tail, 4);
        return ($$$"""{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":{{{tail.Length}}}}}]}""", tail);
    }

    public static JsonNode RestOutput(InferResponse response, string name) =>
        response.Json!["outputs"]!.AsArray().First(o => o!["name"]!.GetValue<string>() == name)!;

    private static string SpecPath()
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
