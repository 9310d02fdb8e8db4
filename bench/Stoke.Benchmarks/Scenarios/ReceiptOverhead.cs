using System.Globalization;
using Stoke.Benchmarks.Support;
using Stoke.Samples;

namespace Stoke.Benchmarks.Scenarios;

/// <summary>
/// Receipt overhead per request: one short MiniLM request at low load (one client, sequential, after warm-up) to two
/// nodes in this process that differ only in <c>Stoke:Receipts:Enabled</c>, OIP JSON and binary. Calls alternate
/// between the arms so that noise from the shared cores hits them alike; each round's figure is the receipts-on p50
/// over the receipts-off p50 of the same round.
/// </summary>
internal static class ReceiptOverhead
{
    public static async Task RunAsync(Args args)
    {
        var tokens = args.Int("tokens", 8);
        var rounds = args.Int("rounds", 5);
        var calls = args.Int("calls", 200);
        var model = await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath);
        var input = new MiniLmInputs(tokens);

        await using var on = await BenchNode.StartAsync();
        await using var off = await BenchNode.StartAsync(settings: ["--Stoke:Receipts:Enabled=false"]);
        using var onClient = new InferClient(on.Address);
        using var offClient = new InferClient(off.Address);
        foreach (var client in new[] { onClient, offClient })
        {
            await client.DeployAsync("minilm", model, ("maxInstances", "1"), ("minInstances", "1"), ("keepAliveSeconds", "3600"));
        }

        Console.WriteLine($"receipt overhead: MiniLM, {tokens} tokens, batch 1, {rounds} rounds x {calls} calls per arm");
        var arms = new (string Name, Func<Task<double>> Call)[]
        {
            ("on JSON", () => ServingOverhead.HttpAsync(onClient, input.Json, null)),
            ("off JSON", () => ServingOverhead.HttpAsync(offClient, input.Json, null)),
            ("on binary", () => ServingOverhead.HttpAsync(onClient, input.BinaryBody, input.BinaryHeaderLength)),
            ("off binary", () => ServingOverhead.HttpAsync(offClient, input.BinaryBody, input.BinaryHeaderLength)),
        };
        foreach (var arm in arms)
        {
            for (var i = 0; i < Math.Max(200, calls / 2); i++)
            {
                await arm.Call();
            }
        }

        var p50 = arms.ToDictionary(a => a.Name, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            var samples = arms.ToDictionary(a => a.Name, _ => new List<double>(calls));
            for (var i = 0; i < calls; i++)
            {
                foreach (var arm in arms)
                {
                    samples[arm.Name].Add(await arm.Call());
                }
            }

            foreach (var arm in arms)
            {
                p50[arm.Name].Add(Stats.Percentile(samples[arm.Name], 50));
            }

            Console.WriteLine($"  round {round + 1}: " + string.Join("; ", arms.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Name} p50 {p50[a.Name][^1]:F3} ms"))));
        }

        Console.WriteLine();
        Console.WriteLine("| body | receipts on p50 ms | off p50 ms | on / off (per round) | on - off, ms |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var body in new[] { "JSON", "binary" })
        {
            var (onP50, offP50) = (p50["on " + body], p50["off " + body]);
            List<double> Per(Func<int, double> f) => [.. Enumerable.Range(0, rounds).Select(f)];
            Console.WriteLine($"| {body} | {Stats.Summary(onP50, "F3")} | {Stats.Summary(offP50, "F3")} | " +
                $"{Stats.Summary(Per(r => onP50[r] / offP50[r]), "F3")} | {Stats.Summary(Per(r => onP50[r] - offP50[r]), "F3")} |");
        }
    }
}
