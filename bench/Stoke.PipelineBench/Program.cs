// The OCR pipeline through Stoke (HTTP on loopback, the runtime's instances) against the same chain run in process
// (the same runner and transforms, each function step a direct ONNX Runtime session call), and a cold pipeline with
// chain-aware starts against sequential starts. Figures in BENCHMARKS.md; usage: dotnet run -c Release --project
// bench/Stoke.PipelineBench [requests-per-repeat] [repeats] [cold-repeats]; one cold request's spans (ColdTrace.cs):
// ... -- cold-trace; benchmark 3 (fused against unfused steps, FusionBench.cs):
// dotnet run -c Release --project bench/Stoke.PipelineBench -- fusion [requests-per-repeat] [repeats]; two function
// steps served by one composite against two calls (CompositeBench.cs): ... -- composite [requests-per-repeat] [repeats]
using System.Diagnostics;
using System.Globalization;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Engines.Onnx;
using Stoke.Integration.Tests.Support;
using Stoke.Pipelines.Execution;
using Stoke.Pipelines.Fusion;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Transforms;
using Stoke.Pipelines.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Runtime.Invocation;
using static Timing;

if (args is ["fusion", ..])
{
    await FusionBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return;
}

if (args is ["cold-trace", ..])
{
    await ColdTrace.RunAsync();
    return;
}

if (args is ["composite", ..])
{
    await CompositeBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return;
}

var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var coldRepeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : repeats;
var page = OcrNode.Sample("page.png");
var (header, tail) = OcrNode.ImageRequest(page);


// In process: the same compiled spec, each function step one direct session call.
// A transform fused onto a function step (docs/pipelines.md, "Fusion") runs after the session here, as beside an instance.
var direct = new DirectFunctions(Path.Combine(OcrNode.Models, "paddleocr-v4")) { PipelineSpec = OcrNode.OcrSpec() };
var compiled = await new PipelineCompiler(TransformCatalog.BuiltIn, direct).CompileAsync("bench", PipelineSpecJson.Parse(OcrNode.OcrSpec()) with { Prewarm = false }, default);
var runner = new PipelineRunner(direct, direct, new NoPrewarm(), TimeProvider.System);
var pipelineSpec = direct.Spec("ocr", new ModelSignature([], []));
var imageInput = new Tensor("image", TensorDataType.Bytes, [1], tail);
Task InProcess() => runner.RunAsync(pipelineSpec, compiled, new InferenceRequest(null, [imageInput], null), new InvocationOptions(DateTimeOffset.UtcNow.AddMinutes(1)), default);

await using var node = await EmbeddedStoke.StartAsync(gateway: g => g.MaxRequestBodyBytes = 8 << 20);
using var client = node.Client();
await OcrNode.DeployFunctionsAsync(client, "");
await client.DeployPipelineAsync("ocr", OcrNode.OcrSpec());
async Task ThroughStoke()
{
    var r = await client.InferBinaryAsync("ocr", header, tail);
    if ((int)r.Status != 200) { throw new InvalidOperationException(r.Text); }
}

// Latency: hello.png (one line, so each of the three function steps makes one call on both sides, nothing to batch),
// the two paths alternated request by request so drift on a shared machine hits both; the overhead is the median of
// the paired differences over the three function hops.
var (helloHeader, helloTail) = OcrNode.ImageRequest(OcrNode.Sample("hello.png"));
var helloInput = new Tensor("image", TensorDataType.Bytes, [1], helloTail);
Task HelloInProcess() => runner.RunAsync(pipelineSpec, compiled, new InferenceRequest(null, [helloInput], null), new InvocationOptions(DateTimeOffset.UtcNow.AddMinutes(1)), default);
async Task HelloThroughStoke()
{
    var r = await client.InferBinaryAsync("ocr", helloHeader, helloTail);
    if ((int)r.Status != 200) { throw new InvalidOperationException(r.Text); }
}

// The same pipeline run by a runner in this process over the node's own invoker (its routing, batch queues and
// instances, no HTTP): splits the overhead into the function hops and the request's one HTTP entry.
var grains = node.Services.GetRequiredService<IGrainFactory>();
var nodeSteps = new RegistrySteps(grains);
var nodeCompiled = await new PipelineCompiler(TransformCatalog.BuiltIn, nodeSteps).CompileAsync("default", PipelineSpecJson.Parse(OcrNode.OcrSpec()) with { Prewarm = false }, default);
var nodeRunner = new PipelineRunner(node.Services.GetRequiredService<IFunctionInvoker>(), nodeSteps, new NoPrewarm(), TimeProvider.System);
var nodePipeline = direct.Spec("ocr", new ModelSignature([], [])) with { Tenant = "default" };
Task HelloOnNode() => nodeRunner.RunAsync(nodePipeline, nodeCompiled, new InferenceRequest(null, [helloInput], null), new InvocationOptions(DateTimeOffset.UtcNow.AddMinutes(1)), default);

// Warm-up: each path's code jitted and its sessions run before anything is timed.
for (var i = 0; i < 20; i++)
{
    await InProcess();
    await ThroughStoke();
    await HelloInProcess();
    await HelloOnNode();
    await HelloThroughStoke();
}

var warm = new List<double>();
var hops = new List<double>();
var hopsOnNode = new List<double>();
var entries = new List<double>();
var inProcessRate = new List<double>();
var through = new List<double>();
for (var rep = 0; rep < repeats; rep++)
{
    var (d, s, hop) = await Paired(HelloInProcess, HelloThroughStoke, requests);
    var (hopsOnly, entry) = await Triple(HelloInProcess, HelloOnNode, HelloThroughStoke, requests);
    hopsOnNode.Add(hopsOnly / 3);
    entries.Add(entry);
    Console.WriteLine($"repeat {rep}: split of the same request, three paths alternated: per function hop on the node (no HTTP) {hopsOnly / 3:F2} ms, the request's HTTP entry (loopback, OIP codec, gateway) {entry:F2} ms");
    var pageWarm = await Sequential(ThroughStoke, 5);
    var dt = await Concurrent(InProcess, requests / 4, 4);
    var st = await Concurrent(ThroughStoke, requests / 4, 4);
    warm.Add(pageWarm);
    hops.Add(hop / 3);
    inProcessRate.Add(dt);
    through.Add(st);
    Console.WriteLine($"repeat {rep}: hello.png p50 in process {d:F2} ms, through Stoke {s:F2} ms, median paired difference per hop (3 function steps) {hop / 3:F2} ms; page.png 4 clients: in process {dt:F2} vs Stoke {st:F2} pages/s (Stoke batches the lines)");
}

Console.WriteLine($"median of {repeats}: per hop on the node {Median(hopsOnNode):F2} ms [{hopsOnNode.Min():F2}-{hopsOnNode.Max():F2}], HTTP entry {Median(entries):F2} ms [{entries.Min():F2}-{entries.Max():F2}]");
Console.WriteLine($"median of {repeats}: per hop {Median(hops):F2} ms [{hops.Min():F2}-{hops.Max():F2}]; throughput ratio Stoke / in process {Median(through) / Median(inProcessRate):F2}");

// Each step's warm time on a page (median of 7 requests' traces), to tell a step's own cold cost in a cold request.
var warmSteps = new Dictionary<string, List<double>>();
for (var i = 0; i < 7; i++)
{
    await ThroughStoke();
    foreach (var t in (await client.DescribePipelineAsync("ocr"))["lastRequest"]!["steps"]!.AsArray())
    {
        (warmSteps.TryGetValue(t!["step"]!.GetValue<string>(), out var list) ? list : warmSteps[t["step"]!.GetValue<string>()] = []).Add(t["ms"]!.GetValue<double>());
    }
}

var warmStep = warmSteps.ToDictionary(kv => kv.Key, kv => Median(kv.Value));
Console.WriteLine("warm page steps (median of 7): " + string.Join(", ", warmStep.Select(kv => $"{kv.Key} {kv.Value:F0} ms")));

// Cold: fresh functions each repeat, so every step starts from zero. The cold cost is the first request's latency
// above the warm p50 measured above. Two baselines: the slowest step's instance cold start in the same request
// (fetch, session create, warm-up run), and the slowest step's whole cold cost as the sequential arm of the same
// repeat shows it (its time in that cold request above its warm time: the load, the first real run on the new
// session, the hold and dispatch), which is what one cold function costs its caller.
var ratios = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
var chainCosts = new List<double>();
var stepCosts = new List<double>();
var firsts = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
for (var rep = 0; rep < coldRepeats; rep++)
{
    foreach (var prewarm in new[] { true, false })
    {
        var suffix = $"-c{rep}{(prewarm ? "p" : "s")}";
        await OcrNode.DeployFunctionsAsync(client, suffix);
        await client.DeployPipelineAsync("ocr" + suffix, OcrNode.OcrSpec(suffix, prewarm));
        var started = Stopwatch.GetTimestamp();
        var r = await client.InferBinaryAsync("ocr" + suffix, header, tail);
        var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var last = await client.DescribePipelineAsync("ocr" + suffix);
        var steps = last["steps"]!.AsArray();
        var slowest = steps.Max(s => s!["function"]?["instances"]?.AsArray().Max(i => i!["coldStart"]?["totalMs"]?.GetValue<double>() ?? 0) ?? 0);
        var sum = steps.Sum(s => s!["function"]?["instances"]?.AsArray().Sum(i => i!["coldStart"]?["totalMs"]?.GetValue<double>() ?? 0) ?? 0);
        var ratio = (total - Median(warm)) / slowest;
        ratios[prewarm].Add(ratio);
        firsts[prewarm].Add(total);
        Console.WriteLine($"cold {(prewarm ? "chain-aware" : "sequential ")} repeat {rep}: first request {total:F0} ms ({(int)r.Status}), above warm {total - Median(warm):F0} ms, slowest step cold start {slowest:F0} ms, sum of the steps' cold starts {sum:F0} ms, ratio {ratio:F2}");
        var stepTimes = last["lastRequest"]?["steps"]?.AsArray().Select(t => $"{t!["step"]} {t["ms"]!.GetValue<double>():F0} ms (cold start {t["coldStartMs"]!.GetValue<double>():F0} ms)") ?? [];
        Console.WriteLine("  steps: " + string.Join(", ", stepTimes));
        if (prewarm)
        {
            chainCosts.Add(total - Median(warm));
        }
        else
        {
            var own = last["lastRequest"]!["steps"]!.AsArray().Where(t => t!["runs"]?.GetValue<string>().StartsWith("function ", StringComparison.Ordinal) == true)
                .Max(t => t!["ms"]!.GetValue<double>() - warmStep.GetValueOrDefault(t["step"]!.GetValue<string>()));
            stepCosts.Add(own);
            Console.WriteLine($"  slowest step's own cold cost (time in this request above its warm time) {own:F0} ms; chain-aware this repeat / it {chainCosts[^1] / own:F2}");
        }
    }
}

var byOwn = chainCosts.Zip(stepCosts, (c, o) => c / o).ToList();
Console.WriteLine($"median cold ratio chain-aware / the slowest step's own cold cost in the sequential arm: {Median(byOwn):F2} [{byOwn.Min():F2}-{byOwn.Max():F2}]");
Console.WriteLine($"median cold ratio (cold cost / slowest step's cold start): chain-aware {Median(ratios[true]):F2}, sequential {Median(ratios[false]):F2}; median first request: chain-aware {Median(firsts[true]):F0} ms, sequential {Median(firsts[false]):F0} ms; warm page p50 {Median(warm):F0} ms");

/// <summary>The three PaddleOCR models as direct ONNX Runtime sessions, answering as step functions and as the invoker.</summary>
internal sealed class DirectFunctions : IStepFunctions, IFunctionInvoker
{
    private readonly Dictionary<string, IModelSession> _sessions = [];
    private FusedStepRunner? _fused;

    /// <summary>The pipeline spec whose steps fused into calls run here after the session, as beside an instance.</summary>
    public string PipelineSpec { set => _fused = new FusedStepRunner(_ => Task.FromResult<string?>(value), TransformCatalog.BuiltIn); }

    public DirectFunctions(string dir)
    {
        var engine = new OnnxEngine();
        _sessions["ocr-det"] = engine.Load(File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_det_infer.onnx")), new EngineLoadOptions());
        _sessions["ocr-cls"] = engine.Load(File.ReadAllBytes(Path.Combine(dir, "ch_ppocr_mobile_v2.0_cls_infer.onnx")), new EngineLoadOptions());
        _sessions["ocr-rec"] = engine.Load(File.ReadAllBytes(Path.Combine(dir, "ch_PP-OCRv4_rec_infer.onnx")), new EngineLoadOptions());
    }

    public FunctionSpec Spec(string name, ModelSignature signature) => new()
    {
        Tenant = "bench", Name = name, Version = 1, Engine = "onnx", Artifact = new ArtifactRef("", 0, name), Signature = signature,
    };

    public Task<FunctionSpec?> FindAsync(string tenant, string name, int? version, CancellationToken cancellationToken) =>
        Task.FromResult<FunctionSpec?>(_sessions.TryGetValue(name, out var s) ? Spec(name, s.Signature) : null);

    public async Task<InferenceOutcome> InvokeAsync(FunctionSpec spec, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken)
    {
        var session = _sessions[spec.Name];
        Tensor[] outputs;
        lock (session)
        {
            outputs = session.Run(request.Inputs, [.. session.Signature.Outputs.Select(o => o.Name)]);
        }

        if (request.Then is { } then)
        {
            outputs = await (_fused ?? throw new InvalidOperationException("no PipelineSpec for fused steps")).RunAsync(then, outputs, cancellationToken);
        }

        return new InferenceOutcome(outputs, new UsageRecord { Tenant = "bench", Function = spec.Name, Version = 1, Node = "local", BatchSize = 1 }, "direct");
    }

    public Task<EmbeddingOutcome> EmbedAsync(FunctionSpec spec, string[] texts, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IGeneration> GenerateAsync(FunctionSpec spec, TextGenerationRequest request, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Stoke.Abstractions.Instances.StreamOpened> OpenStreamAsync(FunctionSpec spec, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<InferenceOutcome> SendChunkAsync(FunctionSpec spec, string streamId, float[] chunk, InvocationOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Stoke.Abstractions.Instances.StreamClosed> CloseStreamAsync(FunctionSpec spec, string streamId, CancellationToken cancellationToken) => throw new NotSupportedException();
}

/// <summary>Step functions as the node's registry grains hold them, each looked up once.</summary>
internal sealed class RegistrySteps(IGrainFactory grains) : IStepFunctions
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string, int?), FunctionSpec?> _specs = new();

    public async Task<FunctionSpec?> FindAsync(string tenant, string name, int? version, CancellationToken cancellationToken) =>
        _specs.TryGetValue((tenant, name, version), out var spec)
            ? spec
            : _specs[(tenant, name, version)] = await grains.GetGrain<Stoke.Runtime.Grains.IFunctionRegistryGrain>(tenant).Get(name, version);
}

internal sealed class NoPrewarm : IChainPrewarm
{
    public bool IsCold(FunctionSpec function) => false;

    public Task PrewarmAsync(FunctionSpec function, string reason, CancellationToken cancellationToken) => Task.CompletedTask;
}
