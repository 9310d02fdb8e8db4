using System.Diagnostics;
using Stoke.Integration.Tests.Support;
using Stoke.Pipelines.Tests.Support;

/// <summary>
/// Diagnostic: one cold OCR pipeline request (sequential starts, then chain-aware) with every runtime span it makes
/// printed by start time, to see where a cold request spends the time beyond its instances' cold starts.
/// Usage: dotnet run -c Release --project bench/Stoke.PipelineBench -- cold-trace
/// </summary>
internal static class ColdTrace
{
    public static async Task RunAsync()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("Stoke", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        await using var node = await EmbeddedStoke.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
        using var client = node.Client();
        var (header, tail) = OcrNode.ImageRequest(OcrNode.Sample("page.png"));
        await OcrNode.DeployFunctionsAsync(client, "");
        await client.DeployPipelineAsync("ocr", OcrNode.OcrSpec());
        for (var i = 0; i < 10; i++)
        {
            await client.InferBinaryAsync("ocr", header, tail);
        }

        foreach (var (suffix, prewarm) in new[] { ("-s1", false), ("-p1", true), ("-s2", false), ("-p2", true) })
        {
            await OcrNode.DeployFunctionsAsync(client, suffix);
            await client.DeployPipelineAsync("ocr" + suffix, OcrNode.OcrSpec(suffix, prewarm));
            lock (spans) { spans.Clear(); }
            var started = DateTime.UtcNow;
            var r = await client.InferBinaryAsync("ocr" + suffix, header, tail);
            var total = (DateTime.UtcNow - started).TotalMilliseconds;
            await Task.Delay(200);
            Console.WriteLine($"cold {(prewarm ? "chain-aware" : "sequential")} {suffix}: {total:F0} ms ({(int)r.Status})");
            lock (spans)
            {
                foreach (var a in spans.OrderBy(a => a.StartTimeUtc))
                {
                    var fn = a.GetTagItem("stoke.function") ?? "";
                    Console.WriteLine($"  +{(a.StartTimeUtc - started).TotalMilliseconds,7:F1} ms {a.Duration.TotalMilliseconds,7:F1} ms  {a.OperationName} {fn} {a.GetTagItem("stoke.held_ms")}");
                }
            }
        }
    }
}
