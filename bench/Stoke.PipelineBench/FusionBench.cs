using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Execution;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Tests.Support;
using Stoke.Pipelines.Transforms;
using Stoke.Runtime.Invocation;
using static Timing;

/// <summary>
/// Benchmark 3: the OCR pipeline with "fusion": "auto" against "off", on the same runner and the same direct ONNX
/// Runtime sessions (so only the handling of the fused steps differs: the transform chains, and ctc.decode run on each
/// recognizer call's outputs right after its session, as beside an instance): latency p50 on hello.png and page.png
/// (the two arms alternated request by request) and page.png throughput with 4 clients.
/// </summary>
internal static class FusionBench
{
    public static async Task RunAsync(int requests, int repeats)
    {
        var direct = new DirectFunctions(Path.Combine(OcrNode.Models, "paddleocr-v4")) { PipelineSpec = OcrNode.OcrSpec() };
        var compiler = new PipelineCompiler(TransformCatalog.BuiltIn, direct);
        var spec = PipelineSpecJson.Parse(OcrNode.OcrSpec()) with { Prewarm = false };
        var fused = await compiler.CompileAsync("bench", spec with { Fusion = "auto" }, default);
        var unfused = await compiler.CompileAsync("bench", spec with { Fusion = "off" }, default);
        Console.WriteLine("fused groups: " + string.Join(", ", fused.Fusion.Groups.Select(g => g.Name)) + "; unfused: " + unfused.Fusion.Groups.Length + " groups");
        var runner = new PipelineRunner(direct, direct, new NoPrewarm(), TimeProvider.System);
        var pipeline = direct.Spec("ocr", new ModelSignature([], []));
        Func<Task> Call(CompiledPipeline compiled, string sample)
        {
            var image = new Tensor("image", TensorDataType.Bytes, [1], OcrNode.ImageRequest(OcrNode.Sample(sample)).Tail);
            return () => runner.RunAsync(pipeline, compiled, new InferenceRequest(null, [image], null), new InvocationOptions(DateTimeOffset.UtcNow.AddMinutes(1)), default);
        }

        var arms = new[] { "hello.png", "page.png" }.ToDictionary(s => s, s => (Fused: Call(fused, s), Unfused: Call(unfused, s)));
        foreach (var (a, b) in arms.Values)
        {
            await a();
            await b();
        }

        var p50 = arms.Keys.ToDictionary(k => k, _ => (Fused: new List<double>(), Unfused: new List<double>(), Diff: new List<double>()));
        var rates = (Fused: new List<double>(), Unfused: new List<double>());
        for (var rep = 0; rep < repeats; rep++)
        {
            foreach (var (sample, (a, b)) in arms)
            {
                var (fa, fb, diff) = await Paired(a, b, requests);
                p50[sample].Fused.Add(fa);
                p50[sample].Unfused.Add(fb);
                p50[sample].Diff.Add(diff);
            }

            // Throughput, the arms in alternating order across repeats.
            var (first, second) = rep % 2 == 0 ? (arms["page.png"].Fused, arms["page.png"].Unfused) : (arms["page.png"].Unfused, arms["page.png"].Fused);
            var r1 = await Concurrent(first, requests / 4, 4);
            var r2 = await Concurrent(second, requests / 4, 4);
            rates.Fused.Add(rep % 2 == 0 ? r1 : r2);
            rates.Unfused.Add(rep % 2 == 0 ? r2 : r1);
            Console.WriteLine($"repeat {rep}: " + string.Join("; ", p50.Select(p => $"{p.Key} p50 fused {p.Value.Fused[^1]:F2} ms, unfused {p.Value.Unfused[^1]:F2} ms, median paired difference (unfused - fused) {p.Value.Diff[^1]:F3} ms")) +
                $"; page.png 4 clients: fused {rates.Fused[^1]:F2}, unfused {rates.Unfused[^1]:F2} pages/s");
        }

        foreach (var (sample, p) in p50)
        {
            Console.WriteLine($"median of {repeats}: {sample} p50 fused {Median(p.Fused):F2} ms, unfused {Median(p.Unfused):F2} ms, ratio fused/unfused {Median(p.Fused) / Median(p.Unfused):F3}, paired difference {Median(p.Diff):F3} ms");
        }

        Console.WriteLine($"median of {repeats}: page.png throughput fused {Median(rates.Fused):F2}, unfused {Median(rates.Unfused):F2} pages/s, ratio fused/unfused {Median(rates.Fused) / Median(rates.Unfused):F3}");
    }
}
