using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using Stoke.Samples;

namespace Stoke.Partitioning.Tests.Support;

/// <summary>The real models the tests cut, and inputs for them.</summary>
internal static class Models
{
    public static string Recognizer
    {
        get
        {
            Assert.True(SharedModels.TryFind(out var dir), "shared/models was not found above the test directory; CI checks it out beside the repository.");
            var path = Path.Combine(dir, "paddleocr-v4", "ch_PP-OCRv4_rec_infer.onnx");
            Assert.True(File.Exists(path), $"Missing shared model {path}.");
            return path;
        }
    }

    public static string MiniLm => SampleModels.MiniLm.ModelPath;

    /// <summary>A text line's worth of pixels for the recognizer: [1,3,48,320], values in [-1,1) from a fixed seed.</summary>
    public static Dictionary<string, OrtValue> RecognizerInput()
    {
        var random = new Random(8);
        var pixels = new float[3 * 48 * 320];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return new() { ["x"] = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, 48, 320]) };
    }

    /// <summary>Two sentences tokenised with MiniLM's own vocabulary, padded to one length, with their attention mask.</summary>
    public static Dictionary<string, OrtValue> MiniLmInput()
    {
        var tokenizer = BertTokenizer.Create(SampleModels.MiniLm.VocabPath!);
        string[] sentences = ["Serverless inference starts a model only while it is used.", "Cold start: 42 ms"];
        var ids = sentences.Select(s => tokenizer.EncodeToIds(s)).ToList();
        var length = ids.Max(i => i.Count);
        var inputIds = new long[sentences.Length * length];
        var mask = new long[inputIds.Length];
        for (var s = 0; s < ids.Count; s++)
        {
            for (var t = 0; t < ids[s].Count; t++)
            {
                inputIds[s * length + t] = ids[s][t];
                mask[s * length + t] = 1;
            }
        }

        long[] shape = [sentences.Length, length];
        return new()
        {
            ["input_ids"] = OrtValue.CreateTensorValueFromMemory(inputIds, shape),
            ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask, shape),
            ["token_type_ids"] = OrtValue.CreateTensorValueFromMemory(new long[inputIds.Length], shape),
        };
    }

    /// <summary>A real model by its test name (<c>minilm</c> or <c>recognizer</c>): its file and an input to run it on.</summary>
    public static (string Path, Dictionary<string, OrtValue> Inputs) ByName(string name) =>
        name == "minilm" ? (MiniLm, MiniLmInput()) : (Recognizer, RecognizerInput());

    public static SessionOptions Options() => new() { IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
}
