using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Stoke.Benchmarks.Support;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Benchmark 3: first request to a scaled-to-zero MiniLM function whose artifact is in the node's memory tier, or
/// only in the repository (a node with zero-byte memory and disk tiers), against a raw session create plus one run from the
/// same bytes. Both nodes run in this process; trials interleave raw, memory and repository.
/// </summary>
internal static class ColdStart
{
    private sealed record Trial(double ClientMs, double ServerMs, string Tier);

    public static async Task RunAsync(Args args)
    {
        var trials = args.Int("trials", 7);
        var tokens = args.Int("tokens", 8);
        var threads = args.Int("threads", 0);
        var model = await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath);
        var input = new MiniLmInputs(tokens);

        await using var memoryNode = await BenchNode.StartAsync(o => o.IntraOpThreads = threads);
        await using var repositoryNode = await BenchNode.StartAsync(o =>
        {
            o.IntraOpThreads = threads;
            o.MemoryTierBytes = 0;
            o.DiskTierBytes = 0;
        });
        using var memory = new InferClient(memoryNode.Address);
        using var repository = new InferClient(repositoryNode.Address);
        // The KPA holds an instance while its stable-window average is above zero (60 s by default): shorten it.
        (string, string)[] settings = [("maxInstances", "1"), ("keepAliveSeconds", "1"), ("stableWindowSeconds", "2"), ("panicWindowSeconds", "1")];
        await memory.DeployAsync("cold", model, settings);
        await repository.DeployAsync("cold", model, settings);

        // One untimed cold start each: JIT of the request and start paths, ORT's process-wide environment.
        Raw(model, input, threads);
        await FirstRequestAsync(memory, input);
        await FirstRequestAsync(repository, input);

        Console.WriteLine($"cold start: MiniLM ({model.Length >> 20} MiB), {tokens} tokens, {trials} trials, intra-op threads {(threads == 0 ? "ORT default" : threads)}");
        var raw = new List<double>();
        var mem = new List<Trial>();
        var repo = new List<Trial>();
        for (var i = 0; i < trials; i++)
        {
            raw.Add(Raw(model, input, threads));
            mem.Add(await FirstRequestAsync(memory, input));
            repo.Add(await FirstRequestAsync(repository, input));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  trial {i + 1}: raw {raw[^1]:F1} ms; memory tier client {mem[^1].ClientMs:F1} server {mem[^1].ServerMs:F1} ({mem[^1].Tier}); repository client {repo[^1].ClientMs:F1} server {repo[^1].ServerMs:F1} ({repo[^1].Tier})"));
        }

        Console.WriteLine();
        Console.WriteLine("| path | tier reported | client ms, median [range] | server Stoke-Cold-Start-Ms | client / raw (per-trial) | server / raw (per-trial) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Console.WriteLine($"| raw InferenceSession create + 1 run | - | {Stats.Summary(raw, "F1")} | - | 1 | 1 |");
        foreach (var (name, rows) in new[] { ("memory tier", mem), ("repository only (MemoryTierBytes = DiskTierBytes = 0)", repo) })
        {
            var tiers = string.Join("/", rows.Select(r => r.Tier).Distinct());
            var clientRatio = Enumerable.Range(0, trials).Select(i => rows[i].ClientMs / raw[i]).ToList();
            var serverRatio = Enumerable.Range(0, trials).Select(i => rows[i].ServerMs / raw[i]).ToList();
            Console.WriteLine($"| {name} | {tiers} | {Stats.Summary(rows.Select(r => r.ClientMs).ToList(), "F1")} | {Stats.Summary(rows.Select(r => r.ServerMs).ToList(), "F1")} | {Stats.Summary(clientRatio)} | {Stats.Summary(serverRatio)} |");
        }
    }

    internal static double Raw(byte[] model, MiniLmInputs input, int threads)
    {
        var start = Stopwatch.GetTimestamp();
        // Raw ONNX Runtime with the settings OnnxEngine applies (full optimisation, same threads, no spinning).
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0)
        {
            options.IntraOpNumThreads = threads;
        }

        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(model, options);
        using var run = new RunOptions();
        var values = input.ToOrtValues();
        using (var results = session.Run(run, MiniLmInputs.InputNames, values, [MiniLmInputs.OutputName]))
        {
            _ = results[0].GetTensorDataAsSpan<float>().ToArray();
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        foreach (var v in values)
        {
            v.Dispose();
        }

        return elapsed;
    }

    private static async Task<Trial> FirstRequestAsync(InferClient client, MiniLmInputs input)
    {
        await client.WaitForZeroAsync("cold", TimeSpan.FromSeconds(30));
        var start = Stopwatch.GetTimestamp();
        using var response = await client.InferOkAsync("cold", input.Json, null);
        var clientMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var server = InferClient.Header(response, "Stoke-Cold-Start-Ms");
        var tier = InferClient.Header(response, "Stoke-Cold-Start-Tier") ?? "none (warm?)";
        return new Trial(clientMs, server is null ? double.NaN : double.Parse(server, CultureInfo.InvariantCulture), tier);
    }
}
