using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx.Tests.Support;

namespace Stoke.Engines.Onnx.Tests;

/// <summary>Models from shared/models run correctly through raw tensors.</summary>
public sealed class SharedModelTests
{
    private const int ClassifierPixels = 3 * 48 * 192;

    [Fact]
    public void PaddleClassifierGivesAProbabilityPairPerImageOfABatch()
    {
        using var session = TestModels.Load(TestModels.PaddleClassifier, threads: 2);
        var input = Assert.Single(session.Signature.Inputs);
        Assert.Equal(TensorDataType.FP32, input.DataType);
        Assert.Equal([TensorShape.Dynamic, 3, TensorShape.Dynamic, TensorShape.Dynamic], input.Shape);

        var pixels = RawTensors.Random(2 * ClassifierPixels, seed: 3);
        var output = Assert.Single(session.Run([RawTensors.Floats(input.Name, [2, 3, 48, 192], pixels)], null));

        Assert.Equal([2, 2], output.Shape);
        var probabilities = RawTensors.ToFloats(output);
        Assert.Equal(1f, probabilities[0] + probabilities[1], 4);
        Assert.Equal(1f, probabilities[2] + probabilities[3], 4);
    }

    [Fact]
    public void PaddleClassifierBatchRowsEqualSingleRuns()
    {
        using var session = TestModels.Load(TestModels.PaddleClassifier, threads: 2);
        var name = session.Signature.Inputs[0].Name;
        var pixels = RawTensors.Random(2 * ClassifierPixels, seed: 4);

        var batch = RawTensors.ToFloats(session.Run([RawTensors.Floats(name, [2, 3, 48, 192], pixels)], null)[0]);
        var first = RawTensors.ToFloats(session.Run([RawTensors.Floats(name, [1, 3, 48, 192], pixels[..ClassifierPixels])], null)[0]);
        var second = RawTensors.ToFloats(session.Run([RawTensors.Floats(name, [1, 3, 48, 192], pixels[ClassifierPixels..])], null)[0]);

        RawTensors.AllClose([.. first, .. second], batch, 1e-4f);
    }

    [Fact]
    public void SileroVadSignatureHasAnInt64ScalarRateAndAState()
    {
        using var session = TestModels.Load(TestModels.SileroVad);

        var sr = Assert.Single(session.Signature.Inputs, i => i.Name == "sr");
        Assert.Equal(TensorDataType.Int64, sr.DataType);
        Assert.Empty(sr.Shape);
        var state = Assert.Single(session.Signature.Inputs, i => i.Name == "state");
        Assert.Equal(TensorDataType.FP32, state.DataType);
        Assert.Equal(3, state.Shape.Length);
    }

    [Fact]
    public void SileroVadCarriesStateAndTellsSpeechFromSilence()
    {
        using var session = TestModels.Load(TestModels.SileroVad);
        var speech = Wav.ReadMono16k(TestModels.Shared(Path.Combine("samples", "speech.wav")));

        var speechProbabilities = Detect(session, speech[..(16000 * 3)]);
        var silenceProbabilities = Detect(session, new float[16000]);

        Assert.True(speechProbabilities.Max() > 0.8f, $"max speech probability {speechProbabilities.Max()}");
        Assert.True(silenceProbabilities.Max() < 0.1f, $"max silence probability {silenceProbabilities.Max()}");
    }

    /// <summary>Runs one stream through Silero in 512-sample chunks with 64 samples of context, carrying the state.</summary>
    private static List<float> Detect(Stoke.Abstractions.Engines.IModelSession session, float[] samples)
    {
        const int Chunk = 512;
        const int Context = 64;
        var state = RawTensors.Floats("state", [2, 1, 128], new float[256]);
        var rate = RawTensors.Int64s("sr", [], [16000]);
        var context = new float[Context];
        var probabilities = new List<float>();
        for (var start = 0; start + Chunk <= samples.Length; start += Chunk)
        {
            float[] window = [.. context, .. samples.AsSpan(start, Chunk)];
            var outputs = session.Run([RawTensors.Floats("input", [1, Chunk + Context], window), state, rate], null);
            probabilities.Add(RawTensors.ToFloats(outputs.Single(o => o.Name == "output"))[0]);
            var next = outputs.Single(o => o.Name == "stateN");
            state = next with { Name = "state" };
            context = window[^Context..];
        }

        return probabilities;
    }
}
