using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using Stoke.Benchmarks.Support;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Benchmark 4 of issue 7: the first request to a scaled-to-zero MiniLM function on node B of a two-silo in-process
/// cluster, with the artifact in (a) node A's memory tier only (peer fetch), (b) B's own repository only, (c) B's disk
/// tier, against (d) a raw session create plus one run from the same bytes. Each silo has its own repository (no
/// shared folder). Before each trial the benchmark puts the artifact in, or takes it out of, the tiers so that exactly
/// the intended one is the fastest holding it; trials interleave raw, peer, repository and disk.
/// </summary>
internal static class ColdStartByTier
{
    private const string Function = "cold";

    private sealed record Trial(double ClientMs, double ServerMs, double FetchMs, string Tier);

    public static async Task RunAsync(Args args)
    {
        var trials = args.Int("trials", 7);
        var warmup = args.Int("warmup", 3);
        var tokens = args.Int("tokens", 8);
        var threads = args.Int("threads", 0);
        var chunkKib = args.Int("chunk-kib", new StokeNodeOptions().PeerChunkBytes >> 10);
        var model = await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath);
        var sha = Convert.ToHexStringLower(SHA256.HashData(model));
        var input = new MiniLmInputs(tokens);
        var root = Path.Combine(Path.GetTempPath(), "stoke-bench-tiers-" + Guid.NewGuid().ToString("N")[..8]);

        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((options, silo) => silo.AddStokeNode(o =>
        {
            o.DataDirectory = Path.Combine(root, options.SiloName);
            o.ControlInterval = TimeSpan.FromMilliseconds(250);
            o.IntraOpThreads = threads;
            o.PeerChunkBytes = chunkKib << 10;
            o.Labels["node"] = options.SiloName;
        }));
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.SetMinimumLevel(LogLevel.Warning);
            host.Services.AddStokeGateway(g => g.Url = "http://127.0.0.1:0");
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var a = Silo(cluster, "Silo_0");
            var b = Silo(cluster, "Silo_1");
            var nodeA = a.GetRequiredService<NodeHost>();
            var nodeB = b.GetRequiredService<NodeHost>();
            using var clientA = new InferClient(a.GetRequiredService<GatewayServer>().Address!);
            using var clientB = new InferClient(b.GetRequiredService<GatewayServer>().Address!);

            // Deployed through A (A's repository and memory tier), pinned to B; B's repository gets its own copy for (b).
            (string, string)[] settings = [("maxInstances", "1"), ("keepAliveSeconds", "1"), ("stableWindowSeconds", "2"), ("panicWindowSeconds", "1"), ("label", "node=Silo_1")];
            await clientA.DeployAsync(Function, model, settings);
            await nodeB.Repository.PutAsync(model, "minilm.onnx", CancellationToken.None);

            async Task<Trial> PeerAsync()
            {
                await SettleAsync(nodeA, nodeB);
                nodeA.MemoryTier.Put(sha, model);
                nodeB.MemoryTier.Remove(sha);
                nodeB.Artifacts.Disk.Remove(sha);
                return await FirstRequestAsync(clientB, nodeB, input);
            }

            async Task<Trial> RepositoryAsync()
            {
                await SettleAsync(nodeA, nodeB);
                nodeA.MemoryTier.Remove(sha);
                nodeA.Artifacts.Disk.Remove(sha);
                nodeB.MemoryTier.Remove(sha);
                nodeB.Artifacts.Disk.Remove(sha);
                return await FirstRequestAsync(clientB, nodeB, input);
            }

            async Task<Trial> DiskAsync()
            {
                await SettleAsync(nodeA, nodeB);
                nodeB.MemoryTier.Remove(sha);
                await nodeB.Artifacts.Disk.PutAsync(sha, model, CancellationToken.None);
                return await FirstRequestAsync(clientB, nodeB, input);
            }

            // Untimed trials of each first: ORT's process-wide environment, and JIT of the request, start and peer paths
            // (a peer fetch runs its per-chunk code some 20 times a trial; it reaches tiered JIT's optimised code after a few).
            for (var i = 0; i < warmup; i++)
            {
                ColdStart.Raw(model, input, threads);
                await PeerAsync();
                await RepositoryAsync();
                await DiskAsync();
            }

            Console.WriteLine($"cold start on node B by tier: MiniLM ({model.Length >> 20} MiB), {tokens} tokens, {trials} trials after {warmup} untimed, peer chunks {chunkKib} KiB, intra-op threads {(threads == 0 ? "ORT default" : threads)}");
            var raw = new List<double>();
            var peer = new List<Trial>();
            var repository = new List<Trial>();
            var disk = new List<Trial>();
            for (var i = 0; i < trials; i++)
            {
                raw.Add(ColdStart.Raw(model, input, threads));
                peer.Add(await PeerAsync());
                repository.Add(await RepositoryAsync());
                disk.Add(await DiskAsync());
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  trial {i + 1}: raw {raw[^1]:F1} ms; {Line(peer[^1])}; {Line(repository[^1])}; {Line(disk[^1])}"));
            }

            Console.WriteLine();
            Console.WriteLine("| path (cold start on node B) | tier reported | client ms, median [range] | server Stoke-Cold-Start-Ms | fetch phase ms | fetch / repository fetch (per trial) | client / raw (per trial) | server / raw (per trial) |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            Console.WriteLine($"| (d) raw InferenceSession create + 1 run | - | {Stats.Summary(raw, "F1")} | - | - | - | 1 | 1 |");
            foreach (var (name, rows) in new[] { ("(a) node A's memory tier, peer fetch", peer), ("(b) B's repository", repository), ("(c) B's disk tier", disk) })
            {
                var tiers = string.Join("/", rows.Select(r => r.Tier).Distinct());
                var fetchRatio = Enumerable.Range(0, trials).Select(i => rows[i].FetchMs / repository[i].FetchMs).ToList();
                var clientRatio = Enumerable.Range(0, trials).Select(i => rows[i].ClientMs / raw[i]).ToList();
                var serverRatio = Enumerable.Range(0, trials).Select(i => rows[i].ServerMs / raw[i]).ToList();
                Console.WriteLine(
                    $"| {name} | {tiers} | {Stats.Summary(rows.Select(r => r.ClientMs).ToList(), "F1")} | {Stats.Summary(rows.Select(r => r.ServerMs).ToList(), "F1")} | " +
                    $"{Stats.Summary(rows.Select(r => r.FetchMs).ToList(), "F1")} | {Stats.Summary(fetchRatio)} | {Stats.Summary(clientRatio)} | {Stats.Summary(serverRatio)} |");
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static IServiceProvider Silo(InProcessTestCluster cluster, string name) => cluster.Silos.Single(s => s.Name == name).ServiceProvider;

    // Background disk-tier writes of the previous trial end first, so none lands after the tiers are set up.
    private static async Task SettleAsync(NodeHost a, NodeHost b)
    {
        await a.Artifacts.WhenStoredAsync();
        await b.Artifacts.WhenStoredAsync();
    }

    private static string Line(Trial t) =>
        string.Create(CultureInfo.InvariantCulture, $"{t.Tier} client {t.ClientMs:F1} server {t.ServerMs:F1} fetch {t.FetchMs:F1}");

    private static async Task<Trial> FirstRequestAsync(InferClient client, NodeHost node, MiniLmInputs input)
    {
        await client.WaitForZeroAsync(Function, TimeSpan.FromSeconds(30));
        var start = Stopwatch.GetTimestamp();
        using var response = await client.InferOkAsync(Function, input.Json, null);
        var clientMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var server = InferClient.Header(response, "Stoke-Cold-Start-Ms");
        var tier = InferClient.Header(response, "Stoke-Cold-Start-Tier") ?? "none (warm?)";
        // The instance lives for its keep-alive: its cold-start report has the fetch phase on its own.
        var report = node.Snapshot().Instances.FirstOrDefault(i => i.FunctionKey.EndsWith("/" + Function, StringComparison.Ordinal))?.ColdStart;
        return new Trial(
            clientMs, server is null ? double.NaN : double.Parse(server, CultureInfo.InvariantCulture), report?.FetchMs ?? double.NaN, tier);
    }
}
