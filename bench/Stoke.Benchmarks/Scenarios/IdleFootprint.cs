using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Stoke.Benchmarks.Support;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Benchmark 4: resident memory (VmRSS) of an idle server process freshly started, then with the three samples
/// deployed, each run once and scaled to zero. The server is a child process (<see cref="FootprintHost"/>); each repeat
/// starts a new one. A second configuration with a zero-byte memory tier shows how much of the difference the tier holds.
/// </summary>
internal static class IdleFootprint
{
    private sealed record Sample(double FreshMb, double LoadedMb, double IdleMb, double AfterGcMb, double ManagedMb, double AfterTrimMb, double SecondCycleMb);

    public static async Task RunAsync(Args args)
    {
        var repeats = args.Int("repeats", 3);
        var settle = TimeSpan.FromSeconds(args.Double("settle-seconds", 5));
        var models = SampleModels.Names.Select(n => (Name: n, Bytes: File.ReadAllBytes(SampleModels.Get(n).ModelPath))).ToArray();
        Console.WriteLine($"idle footprint: {string.Join(", ", models.Select(m => $"{m.Name} {m.Bytes.Length / 1048576.0:F1} MiB"))}; {repeats} fresh processes per configuration, settle {settle.TotalSeconds} s");
        var configs = new (string Name, long TierBytes)[] { ("memory tier 1 GiB (default)", 1L << 30), ("memory tier 0", 0) };
        var results = configs.ToDictionary(c => c.Name, _ => new List<Sample>());
        for (var r = 0; r < repeats; r++)
        {
            foreach (var config in configs)
            {
                var sample = await MeasureAsync(models, config.TierBytes, settle);
                results[config.Name].Add(sample);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  repeat {r + 1}, {config.Name}: fresh {sample.FreshMb:F1} MiB, 3 instances loaded {sample.LoadedMb:F1} MiB, scaled to zero {sample.IdleMb:F1} MiB, after full GC {sample.AfterGcMb:F1} MiB (managed heap {sample.ManagedMb:F1} MiB), after malloc_trim {sample.AfterTrimMb:F1} MiB, after a 2nd load/unload + GC + trim {sample.SecondCycleMb:F1} MiB"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| configuration | fresh, nothing deployed (MiB) | 3 loaded (MiB) | 3 deployed, scaled to zero (MiB) | idle - fresh (MiB) | idle / fresh (per-process) | idle after full GC (MiB) | managed heap after GC (MiB) | after GC + malloc_trim (MiB) | after 2nd load/unload cycle + GC + trim (MiB) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var config in configs)
        {
            var s = results[config.Name];
            Console.WriteLine($"| {config.Name} | {Stats.Summary(s.Select(x => x.FreshMb).ToList(), "F1")} | {Stats.Summary(s.Select(x => x.LoadedMb).ToList(), "F1")} | " +
                $"{Stats.Summary(s.Select(x => x.IdleMb).ToList(), "F1")} | {Stats.Summary(s.Select(x => x.IdleMb - x.FreshMb).ToList(), "F1")} | {Stats.Summary(s.Select(x => x.IdleMb / x.FreshMb).ToList())} | " +
                $"{Stats.Summary(s.Select(x => x.AfterGcMb).ToList(), "F1")} | {Stats.Summary(s.Select(x => x.ManagedMb).ToList(), "F1")} | {Stats.Summary(s.Select(x => x.AfterTrimMb).ToList(), "F1")} | {Stats.Summary(s.Select(x => x.SecondCycleMb).ToList(), "F1")} |");
        }
    }

    private static async Task<Sample> MeasureAsync((string Name, byte[] Bytes)[] models, long tierBytes, TimeSpan settle)
    {
        var url = $"http://127.0.0.1:{BenchNode.FreePort()}";
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(IdleFootprint).Assembly.Location);
        }

        foreach (var a in new[] { "host", "--url", url, "--memory-tier-bytes", tierBytes.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        try
        {
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("READY", StringComparison.Ordinal))
            {
            }

            using var client = new InferClient(new Uri(url));
            await Task.Delay(settle);
            var fresh = RssMb(child.Id);
            foreach (var (name, bytes) in models)
            {
                await client.DeployAsync(name, bytes, ("keepAliveSeconds", "2"), ("maxInstances", "1"), ("stableWindowSeconds", "2"), ("panicWindowSeconds", "1"));
            }

            var loaded = await LoadAndUnloadAsync(client, models, child.Id);
            await Task.Delay(settle);
            var idle = RssMb(child.Id);
            var managed = long.Parse((await CommandAsync(child, "gc"))[3..], CultureInfo.InvariantCulture) / 1048576.0;
            var afterGc = RssMb(child.Id);
            await CommandAsync(child, "trim");
            var afterTrim = RssMb(child.Id);

            // A second cold start and scale to zero of each: a leak grows by the same again, allocator retention does not.
            await LoadAndUnloadAsync(client, models, child.Id);
            await CommandAsync(child, "gc");
            await CommandAsync(child, "trim");
            return new Sample(fresh, loaded, idle, afterGc, managed, afterTrim, RssMb(child.Id));
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }
    }

    /// <summary>Runs each model once (a cold start), reads RSS with all loaded, then waits until all scale to zero.</summary>
    private static async Task<double> LoadAndUnloadAsync(InferClient client, (string Name, byte[] Bytes)[] models, int pid)
    {
        foreach (var (name, _) in models)
        {
            using var response = await SendSyntheticAsync(client, name);
        }

        var loaded = RssMb(pid);
        foreach (var (name, _) in models)
        {
            await client.WaitForZeroAsync(name, TimeSpan.FromSeconds(60));
        }

        return loaded;
    }

    private static async Task<string> CommandAsync(Process child, string command)
    {
        await child.StandardInput.WriteLineAsync(command);
        await child.StandardInput.FlushAsync();
        return await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The server process ended.");
    }

    /// <summary>One request of zeros shaped by the model's metadata (free dimensions 1), in the binary extension.</summary>
    private static async Task<HttpResponseMessage> SendSyntheticAsync(InferClient client, string name)
    {
        var metadata = (await client.Management.DescribeAsync(name))["latest"]!["signature"]!["inputs"]!.AsArray();
        var tail = new MemoryStream();
        var inputs = new JsonArray();
        foreach (var input in metadata)
        {
            var shape = input!["shape"]!.AsArray().Select(d => Math.Max(1, d!.GetValue<long>())).ToArray();
            var type = input["dataType"]!.ToString();
            var size = shape.Aggregate(1L, (a, d) => a * d) * (type.Contains("64", StringComparison.Ordinal) ? 8 : 4);
            tail.Write(new byte[size]);
            inputs.Add(new JsonObject
            {
                ["name"] = input["name"]!.GetValue<string>(),
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["datatype"] = type.Contains("64", StringComparison.Ordinal) ? "INT64" : "FP32",
                ["parameters"] = new JsonObject { ["binary_data_size"] = size },
            });
        }

        var header = Encoding.UTF8.GetBytes(new JsonObject { ["inputs"] = inputs }.ToJsonString());
        var body = header.Concat(tail.ToArray()).ToArray();
        return await client.InferOkAsync(name, body, header.Length);
    }

    private static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        throw new InvalidOperationException($"No VmRSS for process {pid}.");
    }
}
