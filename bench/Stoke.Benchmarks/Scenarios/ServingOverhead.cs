using System.Diagnostics;
using System.Globalization;
using Stoke.Benchmarks.Support;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Serving overhead: latency of one short MiniLM request at low load (one client, sequential, after warm-up) through
/// a Stoke node's warm path (OIP JSON, the binary extension, and OIP gRPC with raw and typed contents), through the plain minimal-API peer (same engine
/// session, System.Text.Json, no batching), and on the same engine session called in this process. Calls alternate
/// between the paths so that noise from the shared cores hits them alike. Also counts, from the node's metrics, how
/// many warm requests went through the function's controller (the target is none).
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

        await using var node = await BenchNode.StartAsync(
            o =>
            {
                o.IntraOpThreads = threads;
                o.EngineThreadSpinning = spin;
            },
            grpc: true);
        using var client = new InferClient(node.Address);
        using var grpc = new GrpcInferClient(node.GrpcAddress);
        var grpcRaw = GrpcInferClient.Request("minilm", input, raw: true);
        var grpcTyped = GrpcInferClient.Request("minilm", input, raw: false);
        await client.DeployAsync("minilm", model, ("maxInstances", "1"), ("minInstances", "1"), ("keepAliveSeconds", "3600"));
        using var direct = new DirectSession(model, threads, spin);
        await using var plain = await Peers.PlainApi.StartAsync(model, threads);
        using var plainClient = new InferClient(plain.Address);

        Console.WriteLine($"serving overhead: MiniLM, {tokens} tokens, batch 1, intra-op threads {(threads == 0 ? "ORT default" : threads)}, spinning {(spin ? "on" : "off")}, {rounds} rounds x {calls} calls per path");
        var paths = new (string Name, Func<Task<double>> Call)[]
        {
            ("direct ORT", () => Task.FromResult(Time(() => direct.Run(input)))),
            ("HTTP JSON", () => HttpAsync(client, input.Json, null)),
            ("HTTP binary", () => HttpAsync(client, input.BinaryBody, input.BinaryHeaderLength)),
            ("plain API JSON", () => HttpAsync(plainClient, input.Json, null)),
            ("gRPC raw", () => GrpcAsync(grpc, grpcRaw)),
            ("gRPC typed", () => GrpcAsync(grpc, grpcTyped)),
        };
        foreach (var path in paths)
        {
            for (var i = 0; i < Math.Max(200, calls / 2); i++)
            {
                await path.Call();
            }
        }

        var routesBefore = await RoutesAsync(node.Address);
        var p50 = paths.ToDictionary(p => p.Name, _ => new List<double>());
        var p99 = paths.ToDictionary(p => p.Name, _ => new List<double>());
        // Whether a garbage collection ran during a call (the node shares this process): which tail is the GC's.
        var p99NoGc = paths.ToDictionary(p => p.Name, _ => new List<double>());
        var withGc = paths.ToDictionary(p => p.Name, _ => 0);
        for (var round = 0; round < rounds; round++)
        {
            // Calls alternate between the paths, so a burst of noise from the shared cores hits all three alike.
            var samples = paths.ToDictionary(p => p.Name, _ => new List<double>(calls));
            var noGc = paths.ToDictionary(p => p.Name, _ => new List<double>(calls));
            for (var i = 0; i < calls; i++)
            {
                foreach (var path in paths)
                {
                    var collections = GC.CollectionCount(0);
                    var ms = await path.Call();
                    samples[path.Name].Add(ms);
                    if (GC.CollectionCount(0) == collections)
                    {
                        noGc[path.Name].Add(ms);
                    }
                    else
                    {
                        withGc[path.Name]++;
                    }
                }
            }

            foreach (var path in paths)
            {
                p99NoGc[path.Name].Add(Stats.Percentile(noGc[path.Name], 99));
            }

            foreach (var path in paths)
            {
                p50[path.Name].Add(Stats.Percentile(samples[path.Name], 50));
                p99[path.Name].Add(Stats.Percentile(samples[path.Name], 99));
            }

            var line = string.Join("; ", paths.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} p50 {p50[p.Name][^1]:F3} p99 {p99[p.Name][^1]:F3} ms")));
            Console.WriteLine($"  round {round + 1}: {line}");
        }

        var routesAfter = await RoutesAsync(node.Address);
        var warm = (routesAfter.Direct - routesBefore.Direct) + (routesAfter.Controller - routesBefore.Controller);
        Console.WriteLine();
        Console.WriteLine($"controller calls per warm request: {(routesAfter.Controller - routesBefore.Controller)} of {warm} requests ({(warm == 0 ? 0 : (routesAfter.Controller - routesBefore.Controller) / (double)warm):F4})");
        Console.WriteLine();
        Console.WriteLine("| path | p50 ms, median of rounds [range] | p99 ms | p50 - direct p50, ms | p99 - direct p99, ms | p50 - plain API p50, ms | p99 - plain API p99, ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var path in paths)
        {
            List<double> Diff(Dictionary<string, List<double>> of, string baseline) => [.. Enumerable.Range(0, rounds).Select(r => of[path.Name][r] - of[baseline][r])];
            Console.WriteLine($"| {path.Name} | {Stats.Summary(p50[path.Name], "F3")} | {Stats.Summary(p99[path.Name], "F3")} | " +
                $"{Stats.Summary(Diff(p50, "direct ORT"), "F3")} | {Stats.Summary(Diff(p99, "direct ORT"), "F3")} | " +
                $"{Stats.Summary(Diff(p50, "plain API JSON"), "F3")} | {Stats.Summary(Diff(p99, "plain API JSON"), "F3")} |");
        }

        Console.WriteLine();
        Console.WriteLine("| path | calls during a GC | p99 of calls without one, ms | p99 without a GC - direct's, ms |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var path in paths)
        {
            Console.WriteLine($"| {path.Name} | {withGc[path.Name]} of {rounds * calls} | {Stats.Summary(p99NoGc[path.Name], "F3")} | " +
                $"{Stats.Summary([.. Enumerable.Range(0, rounds).Select(r => p99NoGc[path.Name][r] - p99NoGc["direct ORT"][r])], "F3")} |");
        }

        // The protocols against each other: per-round ratios, so each compares calls made side by side.
        Console.WriteLine();
        Console.WriteLine("| path | p50 / HTTP JSON p50 | p99 / HTTP JSON p99 | p50 / HTTP binary p50 | p99 / HTTP binary p99 |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var path in paths.Where(p => p.Name.StartsWith("HTTP", StringComparison.Ordinal) || p.Name.StartsWith("gRPC", StringComparison.Ordinal)))
        {
            List<double> Ratio(Dictionary<string, List<double>> of, string baseline) => [.. Enumerable.Range(0, rounds).Select(r => of[path.Name][r] / of[baseline][r])];
            Console.WriteLine($"| {path.Name} | {Stats.Summary(Ratio(p50, "HTTP JSON"))} | {Stats.Summary(Ratio(p99, "HTTP JSON"))} | " +
                $"{Stats.Summary(Ratio(p50, "HTTP binary"))} | {Stats.Summary(Ratio(p99, "HTTP binary"))} |");
        }
    }

    // The node's routing counters: requests by the warm path and through the controller.
    internal static async Task<(long Direct, long Controller)> RoutesAsync(Uri node)
    {
        using var http = new HttpClient { BaseAddress = node };
        var text = await http.GetStringAsync("/metrics");
        long Sum(string route) => text.Split('\n')
            .Where(l => l.StartsWith("stoke_routing_decisions_total{", StringComparison.Ordinal) && l.Contains($"stoke_route=\"{route}\"", StringComparison.Ordinal))
            .Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        return (Sum("direct"), Sum("controller"));
    }

    private static double Time(Action call)
    {
        var start = Stopwatch.GetTimestamp();
        call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<double> GrpcAsync(GrpcInferClient client, Inference.ModelInferRequest request)
    {
        var start = Stopwatch.GetTimestamp();
        await client.InferOkAsync(request);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>Milliseconds of one successful OIP infer of the MiniLM function.</summary>
    internal static async Task<double> HttpAsync(InferClient client, byte[] body, int? headerLength)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.InferOkAsync("minilm", body, headerLength);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
