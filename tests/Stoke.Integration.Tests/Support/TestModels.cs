using System.Globalization;
using System.Text;
using Stoke.Samples;

namespace Stoke.Integration.Tests.Support;

/// <summary>Real models the tests deploy, and request bodies for them.</summary>
public static class TestModels
{
    /// <summary>PaddleOCR's text-direction classifier: 0.6 MB, input x [N,3,48,192] FP32, output [N,2]; loads in milliseconds.</summary>
    public static byte[] Classifier => File.ReadAllBytes(Path.Combine(SharedDir, "paddleocr-v4", "ch_ppocr_mobile_v2.0_cls_infer.onnx"));

    public const int ClassifierElements = 3 * 48 * 192;

    public static string SharedDir => SharedModels.TryFind(out var dir)
        ? dir
        : throw new InvalidOperationException("../shared/models is missing: the integration tests need the shared PaddleOCR models (CI has them).");

    /// <summary>A JSON infer request for the classifier with <paramref name="rows"/> rows of a deterministic pattern.</summary>
    public static string ClassifierJson(int rows = 1, float seed = 0.1f)
    {
        var data = new StringBuilder();
        for (var i = 0; i < rows * ClassifierElements; i++)
        {
            if (i > 0)
            {
                data.Append(',');
            }

            data.Append(Pattern(i, seed).ToString("R", CultureInfo.InvariantCulture));
        }

        return $$"""{"inputs":[{"name":"x","shape":[{{rows}},3,48,192],"datatype":"FP32","data":[{{data}}]}]}""";
    }

    /// <summary>The same request in the binary tensor extension: header JSON and raw little-endian floats.</summary>
    public static (string Header, byte[] Tail) ClassifierBinary(int rows = 1, float seed = 0.1f)
    {
        var tail = new byte[rows * ClassifierElements * 4];
        for (var i = 0; i < rows * ClassifierElements; i++)
        {
            BitConverter.TryWriteBytes(tail.AsSpan(i * 4), Pattern(i, seed));
        }

        var header = $$$"""{"inputs":[{"name":"x","shape":[{{{rows}}},3,48,192],"datatype":"FP32","parameters":{"binary_data_size":{{{tail.Length}}}}}]}""";
        return (header, tail);
    }

    /// <summary>A MiniLM request of <paramref name="tokens"/> token ids (CLS, words, SEP), as INT64 JSON tensors.</summary>
    public static string MiniLmJson(int tokens, int rows = 1)
    {
        var ids = string.Join(",", Enumerable.Range(0, rows).SelectMany(_ => Enumerable.Range(0, tokens).Select(i => i == 0 ? 101 : i == tokens - 1 ? 102 : 2000 + i)));
        var ones = string.Join(",", Enumerable.Repeat("1", rows * tokens));
        var zeros = string.Join(",", Enumerable.Repeat("0", rows * tokens));
        return $$"""{"inputs":[{"name":"input_ids","shape":[{{rows}},{{tokens}}],"datatype":"INT64","data":[{{ids}}]},{"name":"attention_mask","shape":[{{rows}},{{tokens}}],"datatype":"INT64","data":[{{ones}}]},{"name":"token_type_ids","shape":[{{rows}},{{tokens}}],"datatype":"INT64","data":[{{zeros}}]}]}""";
    }

    public static float Pattern(int i, float seed) => MathF.Sin((i * 0.01f) + seed);
}
