using System.Net;
using System.Text.Json.Nodes;
using Stoke.Audio;
using Stoke.Client;

namespace Stoke.Integration.Tests.Support;

/// <summary>Silero VAD v5 as a stateful function, and the speech sample resampled to 16 kHz in its 512-sample chunks.</summary>
public static class VadModel
{
    public const int ChunkLength = 512;

    public static byte[] Model => File.ReadAllBytes(Path.Combine(TestModels.SharedDir, "silero-vad", "silero_vad_v5.onnx"));

    /// <summary>The deploy settings that make Silero a stream function: its chunk with 64 samples of context, its state on axis 1, sr = 16000.</summary>
    public static List<KeyValuePair<string, string>> Settings(params (string Key, string Value)[] more) =>
    [
        new("stream.chunk", "input:512"),
        new("stream.context", "64"),
        new("stream.state", "state:stateN:1"),
        new("stream.constant", "sr:16000"),
        new("maxInstances", "1"),
        .. more.Select(m => new KeyValuePair<string, string>(m.Key, m.Value)),
    ];

    /// <summary><c>speech.wav</c> (22.05 kHz) resampled to 16 kHz by the windowed-sinc resampler, cut into whole chunks.</summary>
    public static float[][] SpeechChunks()
    {
        var clip = new Resampler().Resample(WavReader.Read(File.ReadAllBytes(Path.Combine(TestModels.SharedDir, "samples", "speech.wav"))), 16000);
        return [.. Enumerable.Range(0, clip.Samples.Length / ChunkLength).Select(i => clip.Samples.AsSpan(i * ChunkLength, ChunkLength).ToArray())];
    }

    public static double Rms(float[] chunk) => Math.Sqrt(chunk.Average(v => (double)v * v));

    /// <summary>Streams every chunk in order on one new stream; the speech probability and the step's batch size of each.</summary>
    public static async Task<(float[] Probabilities, int[] BatchSizes)> RunAsync(StokeClient client, string function, float[][] chunks)
    {
        var id = (await client.OpenStreamAsync(function))["id"]!.GetValue<string>();
        var probabilities = new float[chunks.Length];
        var batches = new int[chunks.Length];
        for (var i = 0; i < chunks.Length; i++)
        {
            var response = await client.SendChunkAsync(function, id, chunks[i]);
            Assert.True(response.Status == HttpStatusCode.OK, $"chunk {i}: {(int)response.Status} {response.Text}");
            probabilities[i] = Probability(response.Json!);
            batches[i] = int.Parse(response.Header("Stoke-Batch-Size")!, System.Globalization.CultureInfo.InvariantCulture);
        }

        await client.CloseStreamAsync(function, id);
        return (probabilities, batches);
    }

    public static float Probability(JsonNode response)
    {
        var output = response["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "output")!;
        return output["data"]![0]!.GetValue<float>();
    }
}
