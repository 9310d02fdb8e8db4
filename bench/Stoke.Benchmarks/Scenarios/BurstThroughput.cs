using System.Diagnostics;
using System.Globalization;
using System.Net;
using Stoke.Benchmarks.Support;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Benchmark 2: a closed loop of many clients against one MiniLM instance with dynamic batching on and off, and the
/// in-process ceiling (ONNX Runtime called directly at its best batch size). Rounds interleave the arms.
/// </summary>
internal static class BurstThroughput
{
    private sealed record Arm(string Name, string Function, bool Binary, bool Plain = false, bool Grpc = false);

    private sealed record LoopResult(double RequestsPerSecond, double P50Ms, double P99Ms, double MeanBatch, long Errors);

    public static async Task RunAsync(Args args)
    {
        var seconds = args.Double("seconds", 30);
        var rounds = args.Int("rounds", 3);
        var clients = args.Int("clients", 64);
        var tokens = args.Int("tokens", 8);
        var threads = args.Int("threads", 0);
        var maxBatch = args.Int("batch", 16);
        var delayMs = args.Double("delay-ms", 4);
        var instances = args.Int("instances", 1);
        var armNames = args.Str("arms", "on-json,off-json,on-binary,plain-json").Split(',');
        var model = await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath);
        var input = new MiniLmInputs(tokens);

        await using var node = await BenchNode.StartAsync(o => o.IntraOpThreads = threads, grpc: true);
        using var client = new InferClient(node.Address);
        using var grpc = new GrpcInferClient(node.GrpcAddress);
        await using var plain = await Peers.PlainApi.StartAsync(model, threads);
        using var plainClient = new InferClient(plain.Address);
        var common = new[] { ("maxInstances", instances.ToString(CultureInfo.InvariantCulture)), ("minInstances", instances.ToString(CultureInfo.InvariantCulture)), ("keepAliveSeconds", "3600") };
        await client.DeployAsync("burst-on", model, [.. common, ("maxBatchSize", maxBatch.ToString(CultureInfo.InvariantCulture)), ("maxQueueDelayMs", delayMs.ToString(CultureInfo.InvariantCulture))]);
        await client.DeployAsync("burst-off", model, [.. common, ("maxBatchSize", "1")]);
        var arms = armNames.Select(n => n switch
        {
            "on-json" => new Arm("batching on, JSON", "burst-on", false),
            "off-json" => new Arm("batching off, JSON", "burst-off", false),
            "on-binary" => new Arm("batching on, binary", "burst-on", true),
            "off-binary" => new Arm("batching off, binary", "burst-off", true),
            "plain-json" => new Arm("plain minimal API, JSON", "plain", false, Plain: true),
            "on-grpc" => new Arm("batching on, gRPC raw", "burst-on", true, Grpc: true),
            _ => throw new ArgumentException($"Unknown arm '{n}'."),
        }).ToArray();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"burst: MiniLM {tokens} tokens, {clients} closed-loop clients, {seconds} s per arm, {rounds} rounds, maxBatchSize {maxBatch}, maxQueueDelayMs {delayMs}, instances {instances}, intra-op threads {(threads == 0 ? "ORT default" : threads)}"));
        foreach (var arm in arms)
        {
            await LoopAsync(Caller(arm, arm.Plain ? plainClient : client, grpc, input), clients, Math.Min(5, seconds));
        }

        using var direct = new DirectSession(model, threads);
        int[] batchSizes = [1, 4, 8, 16, 32];
        var ceilings = new List<double>();
        var ceilingBatch = new List<int>();
        var results = arms.ToDictionary(a => a.Name, _ => new List<LoopResult>());
        for (var round = 0; round < rounds; round++)
        {
            var perBatch = batchSizes.Select(b => (Batch: b, Rows: DirectRowsPerSecond(direct, new MiniLmInputs(tokens, b), Math.Min(4, seconds / 4)))).ToList();
            var best = perBatch.MaxBy(p => p.Rows);
            ceilings.Add(best.Rows);
            ceilingBatch.Add(best.Batch);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1}: direct rows/s by batch: {string.Join(", ", perBatch.Select(p => $"{p.Batch}: {p.Rows:F0}"))}"));
            foreach (var arm in arms)
            {
                var r = await LoopAsync(Caller(arm, arm.Plain ? plainClient : client, grpc, input), clients, seconds);
                results[arm.Name].Add(r);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1}: {arm.Name}: {r.RequestsPerSecond:F0} req/s, p50 {r.P50Ms:F1} ms, p99 {r.P99Ms:F1} ms, mean batch {r.MeanBatch:F1}, errors {r.Errors}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| arm | req/s, median of rounds [range] | x batching off (per-round ratio) | x plain API (per-round ratio) | / ceiling (per-round ratio) | x REST JSON, batching on | x REST binary, batching on | p50 ms | p99 ms | mean batch | errors |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        var off = results.FirstOrDefault(r => r.Key.StartsWith("batching off, JSON", StringComparison.Ordinal)).Value;
        var plainResults = results.FirstOrDefault(r => r.Key.StartsWith("plain", StringComparison.Ordinal)).Value;
        var onJson = results.GetValueOrDefault("batching on, JSON");
        var onBinary = results.GetValueOrDefault("batching on, binary");
        Console.WriteLine($"| ceiling: direct ORT, best batch ({string.Join("/", ceilingBatch)}) | {Stats.Summary(ceilings, "F0")} | | | 1 | | | | | | |");
        foreach (var arm in arms)
        {
            var rs = results[arm.Name];
            var vsOff = off is null ? "" : Stats.Summary(Enumerable.Range(0, rounds).Select(i => rs[i].RequestsPerSecond / off[i].RequestsPerSecond).ToList());
            var vsPlain = plainResults is null ? "" : Stats.Summary(Enumerable.Range(0, rounds).Select(i => rs[i].RequestsPerSecond / plainResults[i].RequestsPerSecond).ToList());
            var vsCeiling = Stats.Summary(Enumerable.Range(0, rounds).Select(i => rs[i].RequestsPerSecond / ceilings[i]).ToList());
            var vsJson = onJson is null ? "" : Stats.Summary(Enumerable.Range(0, rounds).Select(i => rs[i].RequestsPerSecond / onJson[i].RequestsPerSecond).ToList());
            var vsBinary = onBinary is null ? "" : Stats.Summary(Enumerable.Range(0, rounds).Select(i => rs[i].RequestsPerSecond / onBinary[i].RequestsPerSecond).ToList());
            Console.WriteLine($"| {arm.Name} | {Stats.Summary(rs.Select(r => r.RequestsPerSecond).ToList(), "F0")} | {vsOff} | {vsPlain} | {vsCeiling} | {vsJson} | {vsBinary} | " +
                $"{Stats.Summary(rs.Select(r => r.P50Ms).ToList(), "F1")} | {Stats.Summary(rs.Select(r => r.P99Ms).ToList(), "F1")} | " +
                $"{Stats.Summary(rs.Select(r => r.MeanBatch).ToList(), "F1")} | {rs.Sum(r => r.Errors)} |");
        }
    }

    private static double DirectRowsPerSecond(DirectSession direct, MiniLmInputs input, double seconds)
    {
        direct.Run(input);
        var start = Stopwatch.GetTimestamp();
        long rows = 0;
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
        {
            direct.Run(input);
            rows += input.Rows;
        }

        return rows / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    // One call of an arm: OK and the batch size the node reports.
    private static Func<Task<(bool Ok, int BatchSize)>> Caller(Arm arm, InferClient client, GrpcInferClient grpc, MiniLmInputs input)
    {
        if (arm.Grpc)
        {
            var request = GrpcInferClient.Request(arm.Function, input, raw: true);
            return () => grpc.InferAsync(request);
        }

        var body = arm.Binary ? input.BinaryBody : input.Json;
        int? headerLength = arm.Binary ? input.BinaryHeaderLength : null;
        return async () =>
        {
            using var response = await client.InferAsync(arm.Function, body, headerLength);
            return (response.StatusCode == HttpStatusCode.OK,
                int.TryParse(InferClient.Header(response, "Stoke-Batch-Size"), CultureInfo.InvariantCulture, out var b) ? b : 0);
        };
    }

    private static async Task<LoopResult> LoopAsync(Func<Task<(bool Ok, int BatchSize)>> call, int clients, double seconds)
    {
        var latencies = new List<double>[clients];
        var batchSum = new long[clients];
        var errors = new long[clients];
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(seconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(4096);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var t0 = Stopwatch.GetTimestamp();
                var (ok, batch) = await call();
                if (ok)
                {
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    batchSum[c] += batch;
                }
                else
                {
                    errors[c]++;
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        return new LoopResult(all.Count / elapsed, Stats.Percentile(all, 50), Stats.Percentile(all, 99), all.Count == 0 ? 0 : batchSum.Sum() / (double)all.Count, errors.Sum());
    }
}
