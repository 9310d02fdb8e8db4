using System.Diagnostics;
using System.Globalization;
using Stoke.Benchmarks.Support;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Benchmark 1: latency of one short MiniLM request at low load (one client, sequential, after warm-up) through the
/// gateway (OIP JSON and the binary extension) against the same call on ONNX Runtime directly in this process.
/// Calls alternate between the three paths so that noise from the shared cores hits them alike.
/// </summary>
internal static class ServingOverhead
{
    public static async Task RunAsync(Args args)
    {
        var tokens = args.Int("tokens", 8);
        var rounds = args.Int("rounds", 5);
        var calls = args.Int("calls", 300);
        var threads = args.Int("threads", 0);
        var spin = args.Int("spin", 0) == 1;
        var model = await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath);
        var input = new MiniLmInputs(tokens);

        await using var node = await BenchNode.StartAsync(o =>
        {
            o.IntraOpThreads = threads;
            o.EngineThreadSpinning = spin;
        });
        using var client = new InferClient(node.Address);
        await client.DeployAsync("minilm", model, ("maxInstances", "1"), ("minInstances", "1"), ("keepAliveSeconds", "3600"));
        using var direct = new DirectSession(model, threads, spin);

        Console.WriteLine($"serving overhead: MiniLM, {tokens} tokens, batch 1, intra-op threads {(threads == 0 ? "ORT default" : threads)}, spinning {(spin ? "on" : "off")}, {rounds} rounds x {calls} calls per path");
        var paths = new (string Name, Func<Task<double>> Call)[]
        {
            ("direct ORT", () => Task.FromResult(Time(() => direct.Run(input)))),
            ("HTTP JSON", () => HttpAsync(client, input.Json, null)),
            ("HTTP binary", () => HttpAsync(client, input.BinaryBody, input.BinaryHeaderLength)),
        };
        foreach (var path in paths)
        {
            for (var i = 0; i < Math.Max(200, calls / 2); i++)
            {
                await path.Call();
            }
        }

        var p50 = paths.ToDictionary(p => p.Name, _ => new List<double>());
        var p99 = paths.ToDictionary(p => p.Name, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            // Calls alternate between the paths, so a burst of noise from the shared cores hits all three alike.
            var samples = paths.ToDictionary(p => p.Name, _ => new List<double>(calls));
            for (var i = 0; i < calls; i++)
            {
                foreach (var path in paths)
                {
                    samples[path.Name].Add(await path.Call());
                }
            }

            foreach (var path in paths)
            {
                p50[path.Name].Add(Stats.Percentile(samples[path.Name], 50));
                p99[path.Name].Add(Stats.Percentile(samples[path.Name], 99));
            }

            var line = string.Join("; ", paths.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} p50 {p50[p.Name][^1]:F3} p99 {p99[p.Name][^1]:F3} ms")));
            Console.WriteLine($"  round {round + 1}: {line}");
        }

        Console.WriteLine();
        Console.WriteLine("| path | p50 ms, median of rounds [range] | p99 ms | p50 overhead vs direct, ms (median of per-round differences) | p50 ratio to direct |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var path in paths)
        {
            var overhead = Enumerable.Range(0, rounds).Select(r => p50[path.Name][r] - p50["direct ORT"][r]).ToList();
            var ratio = Enumerable.Range(0, rounds).Select(r => p50[path.Name][r] / p50["direct ORT"][r]).ToList();
            Console.WriteLine($"| {path.Name} | {Stats.Summary(p50[path.Name], "F3")} | {Stats.Summary(p99[path.Name], "F3")} | {Stats.Summary(overhead, "F3")} | {Stats.Summary(ratio)} |");
        }
    }

    private static double Time(Action call)
    {
        var start = Stopwatch.GetTimestamp();
        call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<double> HttpAsync(InferClient client, byte[] body, int? headerLength)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.InferOkAsync("minilm", body, headerLength);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
