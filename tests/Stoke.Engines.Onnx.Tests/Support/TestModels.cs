using Stoke.Abstractions.Engines;
using Stoke.Samples;

namespace Stoke.Engines.Onnx.Tests.Support;

/// <summary>Paths of the real models the tests run and a shared way to load them.</summary>
internal static class TestModels
{
    public static string Shared(string relativePath)
    {
        Assert.True(SharedModels.TryFind(out var dir), "shared/models was not found above the test directory; CI checks it out beside the repository.");
        var path = Path.Combine(dir, relativePath);
        Assert.True(File.Exists(path), $"Missing shared model {path}.");
        return path;
    }

    public static string PaddleClassifier => Shared(Path.Combine("paddleocr-v4", "ch_ppocr_mobile_v2.0_cls_infer.onnx"));

    public static string SileroVad => Shared(Path.Combine("silero-vad", "silero_vad_v5.onnx"));

    public static IModelSession Load(string path, int threads = 1) =>
        new OnnxEngine().Load(File.ReadAllBytes(path), new EngineLoadOptions { IntraOpThreads = threads });
}
