using System.Globalization;
using Stoke.Benchmarks.Soak;
using Stoke.Benchmarks.Support;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// The soak of issue 9: mixed load (tensors, embeddings, chat, deploys and deletes, refusal bursts) on one
/// <c>stoke serve</c> in a child process for <c>--minutes</c>, judged on errors and on the node's RSS, descriptors and
/// threads (<see cref="SoakReport"/>). Exits 1 when the verdict fails or the node dies.
/// </summary>
internal static class SoakScenario
{
    public static async Task<int> RunAsync(Args args)
    {
        var llm = args.Get("llm") ?? (SharedModels.TryFind(out var shared) ? Path.Combine(shared, "llm", "stories260K.gguf") : "../shared/models/llm/stories260K.gguf");
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromMinutes(args.Double("minutes", 20)),
            Warmup = TimeSpan.FromMinutes(args.Double("warmup-minutes", 2)),
            SampleEvery = TimeSpan.FromSeconds(args.Double("sample-seconds", 5)),
            TensorClients = args.Int("tensor-clients", 2),
            EmbeddingClients = args.Int("embedding-clients", 2),
            ChatClients = args.Int("chat-clients", 2),
            ChurnClients = args.Int("churn-clients", 1),
            Think = TimeSpan.FromMilliseconds(args.Double("think-ms", 50)),
            RefusalBurstEvery = TimeSpan.FromSeconds(args.Double("refusal-burst-seconds", 3)),
            RefusalBurstSize = args.Int("refusal-burst-size", 6),
            LlmPath = llm,
            Log = Console.WriteLine,
        };
        var bounds = new SoakBounds { RssGrowthMib = args.Double("rss-bound-mib", 64) };
        var nodeLog = args.Str("node-log", Path.Combine(Path.GetTempPath(), "stoke-soak-node.log"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {options.Duration.TotalMinutes:F1} min after a {options.Warmup.TotalMinutes:F1} min warm-up; clients: {options.TensorClients} tensor, {options.EmbeddingClients} embedding, {options.ChatClients} chat, {options.ChurnClients} deploy/call/delete; think {options.Think.TotalMilliseconds:F0} ms; a burst of {options.RefusalBurstSize} at the one-slot function every {options.RefusalBurstEvery.TotalSeconds:F0} s; samples every {options.SampleEvery.TotalSeconds:F0} s; node log {nodeLog}"));

        await using var node = await SoakNode.StartAsync(args.Get("stoke"), nodeLog);
        Console.WriteLine($"node: stoke serve pid {node.Pid} at {node.Address}");
        using var mix = new SoakMix(node.Address, node.Pid, options);
        SoakResult result;
        try
        {
            result = await mix.RunAsync();
        }
        catch (Exception ex) when (node.HasExited)
        {
            Console.WriteLine($"verdict: FAIL: the node died (exit code {node.ExitCode}) during the soak ({ex.GetType().Name}: {ex.Message}); see {nodeLog}");
            return 1;
        }

        if (args.Get("samples-csv") is { } csv)
        {
            await File.WriteAllLinesAsync(csv, ["seconds,rss_mib,fds,threads", .. result.Samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.At.TotalSeconds:F1},{s.RssMib:F1},{s.Fds},{s.Threads}"))]);
        }

        var report = SoakReport.From(result, bounds);
        Console.WriteLine();
        Console.WriteLine(report.Table());
        NodeLogSummary(nodeLog);
        if (node.HasExited)
        {
            Console.WriteLine($"verdict: FAIL: the node exited (code {node.ExitCode}); see {nodeLog}");
            return 1;
        }

        return report.Violations.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// The node's warnings and errors by category and event id, with the first message of each: reported, not judged
    /// (a client that goes away when the load stops is logged too), for an operator to read.
    /// </summary>
    private static void NodeLogSummary(string nodeLog)
    {
        var lines = File.ReadAllLines(nodeLog);
        var found = new Dictionary<string, (int Count, string First)>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("warn: ", StringComparison.Ordinal) || lines[i].StartsWith("fail: ", StringComparison.Ordinal) || lines[i].StartsWith("crit: ", StringComparison.Ordinal))
            {
                var first = i + 1 < lines.Length ? lines[i + 1].Trim() : "";
                found[lines[i]] = found.TryGetValue(lines[i], out var seen) ? (seen.Count + 1, seen.First) : (1, first);
            }
        }

        Console.WriteLine(found.Count == 0 ? "node log: no warning or error" : "node log, warnings and errors (not judged):");
        foreach (var (category, (count, first)) in found.OrderByDescending(f => f.Value.Count))
        {
            Console.WriteLine($"  {count,5} x {category}  first: {(first.Length > 200 ? first[..200] + "..." : first)}");
        }
    }
}
