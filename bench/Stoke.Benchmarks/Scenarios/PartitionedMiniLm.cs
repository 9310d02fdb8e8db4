using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Stoke.Benchmarks.Support;
using Stoke.Partitioning;
using Stoke.Partitioning.Execution;
using Stoke.Partitioning.Graph;
using Stoke.Partitioning.Planning;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Issue 8, benchmark 4: MiniLM whole against MiniLM cut into 2 and 3 slices run in sequence in process
/// (<see cref="SliceChain"/>: one session per slice, each fed the previous one's outputs). Latency: rounds whose
/// calls alternate between the three configurations, each configuration's round the median of its calls;
/// reported as the median of the rounds and as
/// ratios to whole in the same round. Memory: each slice's weight bytes (the plan's) and the resident-memory growth of
/// a fresh process loading that slice alone (<see cref="SliceLoadHost"/>), against the whole model loaded the same way.
/// </summary>
internal static class PartitionedMiniLm
{
    public static async Task RunAsync(Args args)
    {
        var rounds = args.Int("repeats", 5);
        var calls = args.Int("calls", 50);
        var tokens = args.Int("tokens", 32);
        var threads = args.Int("threads", 1);
        var loads = args.Int("load-repeats", 3);
        var model = File.ReadAllBytes(SampleModels.MiniLm.ModelPath);
        var dir = Directory.CreateTempSubdirectory("stoke-bench-partition-");
        try
        {
            var configs = new List<(string Name, IReadOnlyList<byte[]> Slices, PartitionPlan? Plan)> { ("whole", [model], null) };
            foreach (var parts in new[] { 2, 3 })
            {
                // Symbolic dims as this run's input: the plan's bytes passed are then those of each call here.
                var sizes = new NominalSizes { Named = new Dictionary<string, long> { ["batch"] = 1, ["sequence"] = tokens } };
                var result = ModelPartitioner.Partition(model, $"minilm{parts}", new PartitionOptions { Parts = parts, Sizes = sizes });
                configs.Add(($"{parts} parts", result.Slices, result.Plan));
            }

            Console.WriteLine($"partitioned MiniLM: {tokens} tokens, batch 1, {threads} intra-op thread(s), {rounds} rounds of {calls} calls per configuration, load measured in {loads} fresh processes per model file");
            Latency(configs, rounds, calls, tokens, threads);
            await MemoryAsync(configs, dir.FullName, threads, loads);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static void Latency(List<(string Name, IReadOnlyList<byte[]> Slices, PartitionPlan? Plan)> configs, int rounds, int calls, int tokens, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        var chains = configs.Select(c => new SliceChain(c.Slices, options)).ToList();
        var input = new MiniLmInputs(tokens);
        var values = input.ToOrtValues();
        var feed = MiniLmInputs.InputNames.Select((n, i) => (n, values[i])).ToDictionary(p => p.n, p => p.Item2);
        var medians = configs.Select(_ => new List<double>()).ToList();
        try
        {
            foreach (var chain in chains)
            {
                for (var i = 0; i < 10; i++)
                {
                    Free(chain.Run(feed));
                }
            }

            for (var r = 0; r < rounds; r++)
            {
                // Calls alternate between the configurations, so a noisy moment costs each about the same.
                var samples = chains.Select(_ => new List<double>(calls)).ToList();
                for (var i = 0; i < calls; i++)
                {
                    for (var c = 0; c < chains.Count; c++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        var outputs = chains[c].Run(feed);
                        samples[c].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        Free(outputs);
                    }
                }

                for (var c = 0; c < chains.Count; c++)
                {
                    medians[c].Add(Stats.Median(samples[c]));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {r + 1}: {string.Join(", ", configs.Select((c, i) => $"{c.Name} {medians[i][^1]:F2} ms"))}"));
            }
        }
        finally
        {
            chains.ForEach(c => c.Dispose());
            Array.ForEach(values, v => v.Dispose());
        }

        Console.WriteLine();
        Console.WriteLine("| configuration | slices | bytes passed between slices per call (measured at this input) | p50 latency, ms (median [range] of rounds) | ratio to whole, same round |");
        Console.WriteLine("|---|---|---|---|---|");
        for (var c = 0; c < configs.Count; c++)
        {
            var ratios = medians[c].Select((m, r) => m / medians[0][r]).ToList();
            var passed = configs[c].Plan?.PassedBytes.ToString("N0", CultureInfo.InvariantCulture) ?? "0";
            Console.WriteLine($"| {configs[c].Name} | {configs[c].Slices.Count} | {passed} | {Stats.Summary(medians[c])} | {Stats.Summary(ratios)} |");
        }
    }

    private static async Task MemoryAsync(List<(string Name, IReadOnlyList<byte[]> Slices, PartitionPlan? Plan)> configs, string dir, int threads, int loads)
    {
        Console.WriteLine();
        Console.WriteLine("| configuration | slice | weights, MiB (plan) | file, MiB | RSS growth loading it alone, MiB (median [range]) | share of whole's growth |");
        Console.WriteLine("|---|---|---|---|---|---|");
        double? whole = null;
        foreach (var (name, slices, plan) in configs)
        {
            for (var s = 0; s < slices.Count; s++)
            {
                var path = Path.Combine(dir, $"{name.Replace(' ', '-')}-{s + 1}.onnx");
                await File.WriteAllBytesAsync(path, slices[s]);
                var growth = new List<double>();
                for (var i = 0; i < loads; i++)
                {
                    growth.Add(await SliceLoadHost.MeasureAsync(path, threads));
                }

                whole ??= Stats.Median(growth);
                var weights = plan is null ? WholeWeights(configs) : plan.Slices[s].WeightBytes / 1048576.0;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {s + 1} | {weights:F1} | {slices[s].Length / 1048576.0:F1} | {Stats.Summary(growth, "F1")} | {Stats.Median(growth) / whole.Value:F2} |"));
            }
        }
    }

    private static double WholeWeights(List<(string Name, IReadOnlyList<byte[]> Slices, PartitionPlan? Plan)> configs) =>
        configs.First(c => c.Plan is not null).Plan!.TotalWeightBytes / 1048576.0;

    private static void Free(Dictionary<string, OrtValue> values)
    {
        foreach (var value in values.Values)
        {
            value.Dispose();
        }
    }
}

/// <summary>
/// The memory arm's child process: reads its own resident memory, loads one ONNX file into a session, reads it
/// again and prints the growth in MiB (<c>GROWTH x</c>). One process per load, so nothing earlier is counted.
/// </summary>
internal static class SliceLoadHost
{
    public static void Run(Args args)
    {
        var path = args.Str("model", "");
        var bytes = File.ReadAllBytes(path);
        GC.Collect();
        var before = RssMb();
        using var options = new SessionOptions { IntraOpNumThreads = args.Int("threads", 1), LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(bytes, options);
        bytes = null;
        GC.Collect();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GROWTH {RssMb() - before:F2}"));
        GC.KeepAlive(session);
    }

    public static async Task<double> MeasureAsync(string path, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(SliceLoadHost).Assembly.Location);
        }

        foreach (var a in new[] { "slice-load", "--model", path, "--threads", threads.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("GROWTH ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"slice-load of {path} printed no GROWTH line: {output}");
        return double.Parse(line[7..], CultureInfo.InvariantCulture);
    }

    private static double RssMb()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
