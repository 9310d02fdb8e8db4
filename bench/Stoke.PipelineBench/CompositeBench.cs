using System.Net;
using Stoke.Pipelines.Tests.Support;
using static Timing;

/// <summary>
/// Benchmark 3, function steps: PaddleOCR's direction classifier cut into two slices, served as the pipeline
/// part1 -> part2 through Stoke (HTTP on loopback, the runtime's instances) with "fusion": "auto" (one composite
/// function, one call) against "off" (two function calls, one hop between them), and the whole model as a function:
/// latency p50 of one line (the arms alternated request by request) and throughput with 4 clients.
/// </summary>
internal static class CompositeBench
{
    public static async Task RunAsync(int requests, int repeats)
    {
        var cls = new ClassifierSlices();
        await cls.InitializeAsync();
        try
        {
            using var client = cls.Node.Client();
            await client.DeployPipelineAsync("cls-fused", cls.Spec().ToJsonString());
            await client.DeployPipelineAsync("cls-unfused", cls.Spec("off").ToJsonString());
            var groups = (await client.DescribePipelineAsync("cls-fused"))["fusion"]!["groups"]!.AsArray();
            Console.WriteLine("fused groups: " + string.Join(", ", groups.Select(g => g!["name"] + (g["composite"]!.GetValue<bool>() ? " (composite)" : ""))));

            var line = Enumerable.Range(0, 3 * 48 * 192).Select(i => MathF.Sin(i * 0.01f)).ToArray();
            var tail = new byte[line.Length * 4];
            Buffer.BlockCopy(line, 0, tail, 0, tail.Length);
            var header = $$$"""{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","parameters":{"binary_data_size":{{{tail.Length}}}}}]}""";
            Func<Task> Call(string name) => async () =>
            {
                var r = await client.InferBinaryAsync(name, header, tail);
                if (r.Status != HttpStatusCode.OK) { throw new InvalidOperationException(r.Text); }
            };

            var (fused, unfused, whole) = (Call("cls-fused"), Call("cls-unfused"), Call("cls-whole"));
            await fused();
            await unfused();
            await whole();
            var p50 = (Fused: new List<double>(), Unfused: new List<double>(), Diff: new List<double>(), Whole: new List<double>());
            var rates = (Fused: new List<double>(), Unfused: new List<double>());
            for (var rep = 0; rep < repeats; rep++)
            {
                var (a, b, diff) = await Paired(fused, unfused, requests);
                p50.Fused.Add(a);
                p50.Unfused.Add(b);
                p50.Diff.Add(diff);
                p50.Whole.Add(await Sequential(whole, requests));
                var (first, second) = rep % 2 == 0 ? (fused, unfused) : (unfused, fused);
                var r1 = await Concurrent(first, requests / 4, 4);
                var r2 = await Concurrent(second, requests / 4, 4);
                rates.Fused.Add(rep % 2 == 0 ? r1 : r2);
                rates.Unfused.Add(rep % 2 == 0 ? r2 : r1);
                Console.WriteLine($"repeat {rep}: p50 fused {a:F3} ms, unfused {b:F3} ms, paired difference (unfused - fused) {diff:F3} ms, whole model {p50.Whole[^1]:F3} ms; 4 clients: fused {rates.Fused[^1]:F1}, unfused {rates.Unfused[^1]:F1} requests/s");
            }

            Console.WriteLine($"median of {repeats}: p50 fused {Median(p50.Fused):F3} ms, unfused {Median(p50.Unfused):F3} ms, ratio fused/unfused {Median(p50.Fused) / Median(p50.Unfused):F3}, paired difference {Median(p50.Diff):F3} ms; whole model as one function {Median(p50.Whole):F3} ms");
            Console.WriteLine($"median of {repeats}: throughput fused {Median(rates.Fused):F1}, unfused {Median(rates.Unfused):F1} requests/s, ratio fused/unfused {Median(rates.Fused) / Median(rates.Unfused):F3}");
        }
        finally
        {
            await cls.DisposeAsync();
        }
    }
}
