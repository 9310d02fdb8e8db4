using System.Diagnostics;
using System.Globalization;
using System.Net;
using Stoke.Audio;
using Stoke.Benchmarks.Support;
using Stoke.Client;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Benchmark 5 of issue 8: Silero VAD streams on one instance through real HTTP. Each stream sends
/// <c>speech.wav</c> (resampled to 16 kHz) chunk after chunk, each chunk as soon as the previous one is answered
/// (a client streaming faster than real time). Arms: S concurrent streams with cross-session step batching
/// (maxBatchSize S), the same S streams with batching off (maxBatchSize 1: one chunk per step), and one stream at a
/// time (the baseline). Rounds interleave the arms; the figures are medians of the rounds.
/// </summary>
internal static class VadStreams
{
    private sealed record Result(double ChunksPerSecond, double P50Ms, double MeanBatch);

    public static async Task RunAsync(Args args)
    {
        var seconds = args.Double("seconds", 10);
        var rounds = args.Int("rounds", 3);
        var streams = args.Int("streams", 16);
        var delayMs = args.Double("delay-ms", 2);
        var threads = args.Int("threads", 0);
        Assert(SharedModels.TryFind(out var shared), "../shared/models is missing");
        var model = await File.ReadAllBytesAsync(Path.Combine(shared, "silero-vad", "silero_vad_v5.onnx"));
        var clip = new Resampler().Resample(WavReader.Read(await File.ReadAllBytesAsync(Path.Combine(shared, "samples", "speech.wav"))), 16000);
        var chunks = Enumerable.Range(0, clip.Samples.Length / 512).Select(i => (ReadOnlyMemory<float>)clip.Samples.AsMemory(i * 512, 512)).ToArray();

        await using var node = await BenchNode.StartAsync(o => o.IntraOpThreads = threads);
        using var client = new StokeClient(node.Address);
        string[] common = ["stream.chunk=input:512", "stream.context=64", "stream.state=state:stateN:1", "stream.constant=sr:16000", "minInstances=1", "maxInstances=1", "keepAliveSeconds=3600"];
        await client.DeployAsync("vad-batched", model, Settings([.. common, $"maxBatchSize={streams}", $"maxQueueDelayMs={delayMs.ToString(CultureInfo.InvariantCulture)}"]));
        await client.DeployAsync("vad-unbatched", model, Settings([.. common, "maxBatchSize=1"]));
        (string Name, string Function, int Streams)[] arms =
        [
            ($"{streams} streams, cross-session batching", "vad-batched", streams),
            ($"{streams} streams, batching off", "vad-unbatched", streams),
            ("1 stream at a time", "vad-batched", 1),
        ];

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"vad-streams: Silero VAD v5, speech.wav at 16 kHz ({chunks.Length} chunks of 512), {seconds} s per arm, {rounds} rounds, maxQueueDelayMs {delayMs}, intra-op threads {(threads == 0 ? "ORT default" : threads)}, {Environment.ProcessorCount} cores"));
        foreach (var arm in arms)
        {
            await LoopAsync(client, arm.Function, arm.Streams, chunks, Math.Min(3, seconds));
        }

        var results = arms.Select(_ => new List<Result>()).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            for (var a = 0; a < arms.Length; a++)
            {
                var result = await LoopAsync(client, arms[a].Function, arms[a].Streams, chunks, seconds);
                results[a].Add(result);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {r + 1} {arms[a].Name}: {result.ChunksPerSecond:F0} chunks/s, p50 {result.P50Ms:F2} ms, mean batch {result.MeanBatch:F1}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| arm | chunks/s | x one stream | p50 chunk latency (ms) | mean batch |");
        Console.WriteLine("|---|---|---|---|---|");
        var baseline = results[^1].Select(x => x.ChunksPerSecond).ToList();
        for (var a = 0; a < arms.Length; a++)
        {
            var rate = results[a].Select(x => x.ChunksPerSecond).ToList();
            var ratio = rate.Zip(baseline, (x, b) => x / b).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {arms[a].Name} | {Stats.Summary(rate, "F0")} | {Stats.Summary(ratio)} | {Stats.Summary(results[a].Select(x => x.P50Ms).ToList())} | {Stats.Summary(results[a].Select(x => x.MeanBatch).ToList(), "F1")} |"));
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Settings(string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1]));

    // Each stream loops over the clip (a new stream per pass) until the time is up.
    private static async Task<Result> LoopAsync(StokeClient client, string function, int streams, ReadOnlyMemory<float>[] chunks, double seconds)
    {
        var latencies = new List<double>[streams];
        var batches = new long[streams];
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, streams).Select(s => Task.Run(async () =>
        {
            latencies[s] = [];
            while (clock.Elapsed < until)
            {
                var id = (await client.OpenStreamAsync(function))["id"]!.GetValue<string>();
                foreach (var chunk in chunks)
                {
                    var sent = Stopwatch.GetTimestamp();
                    var response = await client.SendChunkAsync(function, id, chunk);
                    latencies[s].Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    Assert(response.Status == HttpStatusCode.OK, $"chunk answered {(int)response.Status}: {response.Text}");
                    batches[s] += int.Parse(response.Header("Stoke-Batch-Size")!, CultureInfo.InvariantCulture);
                    if (clock.Elapsed >= until)
                    {
                        break;
                    }
                }

                await client.CloseStreamAsync(function, id);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        return new Result(all.Count / elapsed, Stats.Median(all), batches.Sum() / (double)all.Count);
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
