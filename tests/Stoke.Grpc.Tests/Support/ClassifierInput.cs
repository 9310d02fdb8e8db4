using System.Globalization;
using Google.Protobuf;
using Inference;
using Stoke.Samples;

namespace Stoke.Grpc.Tests.Support;

/// <summary>
/// One input of PaddleOCR's direction classifier (x [rows,3,48,192] FP32, output [rows,2]) in every form the tests
/// send: gRPC typed contents, gRPC raw contents, REST JSON and the REST binary extension. All carry the same floats.
/// </summary>
public sealed class ClassifierInput
{
    public const int Elements = 3 * 48 * 192;

    public ClassifierInput(int rows = 1, float seed = 0.1f)
    {
        Rows = rows;
        Values = [.. Enumerable.Range(0, rows * Elements).Select(i => MathF.Sin((i * 0.01f) + seed))];
    }

    public static byte[] Model => File.ReadAllBytes(Path.Combine(
        SharedModels.TryFind(out var dir) ? dir : throw new InvalidOperationException("../shared/models is missing: the gRPC tests need PaddleOCR's classifier."),
        "paddleocr-v4", "ch_ppocr_mobile_v2.0_cls_infer.onnx"));

    public int Rows { get; }

    public float[] Values { get; }

    public long[] Shape => [Rows, 3, 48, 192];

    public byte[] RawBytes
    {
        get
        {
            var bytes = new byte[Values.Length * 4];
            Buffer.BlockCopy(Values, 0, bytes, 0, bytes.Length);
            return bytes;
        }
    }

    /// <summary>A gRPC request with the values in <c>fp32_contents</c>.</summary>
    public ModelInferRequest Typed(string model = GrpcStoke.Model)
    {
        var request = Request(model);
        request.Inputs[0].Contents = new InferTensorContents { Fp32Contents = { Values } };
        return request;
    }

    /// <summary>A gRPC request with the values in <c>raw_input_contents</c>.</summary>
    public ModelInferRequest Raw(string model = GrpcStoke.Model)
    {
        var request = Request(model);
        request.RawInputContents.Add(ByteString.CopyFrom(RawBytes));
        return request;
    }

    /// <summary>The REST JSON request; <paramref name="asIntegers"/> truncates the values, for a request of an integer type.</summary>
    public string Json(string datatype = "FP32", long[]? shape = null, bool asIntegers = false)
    {
        var data = string.Join(",", Values.Select(v => asIntegers ? ((int)v).ToString(CultureInfo.InvariantCulture) : v.ToString("R", CultureInfo.InvariantCulture)));
        return $$"""{"inputs":[{"name":"x","shape":[{{string.Join(",", shape ?? Shape)}}],"datatype":"{{datatype}}","data":[{{data}}]}]}""";
    }

    /// <summary>The REST binary extension's header for <see cref="RawBytes"/>, asking for binary outputs.</summary>
    public string BinaryHeader =>
        $$$"""{"inputs":[{"name":"x","shape":[{{{string.Join(",", Shape)}}}],"datatype":"FP32","parameters":{"binary_data_size":{{{Values.Length * 4}}}}}],"parameters":{"binary_data_output":true}}""";

    private ModelInferRequest Request(string model)
    {
        var request = new ModelInferRequest { ModelName = model, Id = "req-1" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32" };
        input.Shape.AddRange(Shape);
        request.Inputs.Add(input);
        return request;
    }
}
