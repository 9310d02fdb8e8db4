using System.Globalization;
using Stoke.Engines.Llama;

// Replays the Azure LLM 2023 conversation trace against one model, continuous batching versus one request at a time.
// Usage: Stoke.LlmBench [model.gguf] [trace.csv] [requests=64] [speedup=20] [sequences=8] [threads=1]
var model = args.ElementAtOrDefault(0) is { Length: > 0 } m ? m : "/work/shared/models/llm/stories260K.gguf";
var trace = args.ElementAtOrDefault(1) is { Length: > 0 } t ? t : "/work/shared/traces/azure_llm_2023/AzureLLMInferenceTrace_conv.csv";
var count = int.Parse(args.ElementAtOrDefault(2) ?? "64", CultureInfo.InvariantCulture);
var speedup = double.Parse(args.ElementAtOrDefault(3) ?? "20", CultureInfo.InvariantCulture);
var sequences = int.Parse(args.ElementAtOrDefault(4) ?? "8", CultureInfo.InvariantCulture);
var threads = int.Parse(args.ElementAtOrDefault(5) ?? "1", CultureInfo.InvariantCulture);
const int Window = 512;

var rows = File.ReadLines(trace).Skip(1).Take(count).Select(l => l.Split(',')).Select(p => (
    At: DateTime.Parse(p[0], CultureInfo.InvariantCulture), Context: int.Parse(p[1], CultureInfo.InvariantCulture), Generated: int.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
var maxTotal = rows.Max(r => r.Context + r.Generated);
var scale = (Window - 16) / (double)maxTotal;
var t0 = rows[0].At;
var requests = rows.Select(r => (
    Offset: TimeSpan.FromTicks((long)((r.At - t0).Ticks / speedup)),
    Prompt: Math.Max(4, (int)(r.Context * scale)),
    Output: Math.Max(2, (int)(r.Generated * scale)))).ToList();

using var weights = LlamaModel.Load(model);
Console.WriteLine($"model {Path.GetFileName(model)}, {requests.Count} requests over {requests[^1].Offset.TotalSeconds:F1} s (trace compressed {speedup}x), token scale {scale:F3}, threads {threads}");
foreach (var mode in new[] { SchedulingMode.Sequential, SchedulingMode.ContinuousBatching })
{
    await using var engine = new ContinuousBatchingEngine(weights, new LlamaEngineOptions
    {
        Scheduling = mode, MaxSequences = sequences, ContextWindow = Window, Threads = threads, UnifiedKvCache = false, MaxQueuedRequests = 1024,
    });
    var start = TimeProvider.System.GetTimestamp();
    var tasks = requests.Select(async r =>
    {
        var wait = r.Offset - TimeProvider.System.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, TimeProvider.System);
        }

        var prompt = string.Join(' ', Enumerable.Repeat("the", r.Prompt - 1));
        GenerationChunk? last = null;
        await foreach (var chunk in engine.GenerateAsync(new GenerationRequest { Prompt = prompt, MaxTokens = r.Output, IgnoreEndOfGeneration = true, Seed = 1 }))
        {
            last = chunk;
        }

        return last!.Timings;
    }).ToList();
    var timings = await Task.WhenAll(tasks);
    var elapsed = TimeProvider.System.GetElapsedTime(start);
    var tokens = timings.Sum(t => t.CompletionTokens);
    var ttft = timings.Select(t => t.TimeToFirstToken.TotalMilliseconds).Order().ToArray();
    var tpot = timings.Where(t => t.CompletionTokens > 1).Select(t => t.TimePerOutputToken.TotalMilliseconds).Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{mode,-19} {tokens / elapsed.TotalSeconds,9:F0} tok/s  makespan {elapsed.TotalSeconds:F2} s  TTFT p50 {P(ttft, 0.5):F1} p99 {P(ttft, 0.99):F1} ms  TPOT p50 {P(tpot, 0.5):F2} p99 {P(tpot, 0.99):F2} ms  peak batch {engine.PeakBatchSequences}"));
}

// Cold start of the same file: the node memory tier (tmpfs) versus the repository file after dropping its page cache.
var staged = ModelFileTiers.StageInMemory(model);
var repo = new List<double>();
var memory = new List<double>();
for (var i = 0; i < 10; i++)
{
    ModelFileTiers.EvictFromPageCache(model);
    using (var cold = LlamaModel.Load(model)) { repo.Add(cold.LoadTime.TotalMilliseconds); }
    using (var warm = LlamaModel.Load(staged)) { memory.Add(warm.LoadTime.TotalMilliseconds); }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold start (median of 10): repository {P(repo.Order().ToArray(), 0.5):F2} ms, memory tier {P(memory.Order().ToArray(), 0.5):F2} ms"));

static double P(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
