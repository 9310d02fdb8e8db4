using System.Diagnostics;
using System.Globalization;
using Stoke.Engines.Llama;
using Stoke.Engines.Llama.Gguf;
using Stoke.LlmBench;

// Replays the Azure LLM 2023 conversation trace against one model, continuous batching versus one request at a time,
// on the same engine with the same settings (only the scheduling differs), then where a decode step's time goes.
var o = BenchOptions.Parse(args);
var requests = TraceFile.Load(o.Trace, o.Requests, o.Speedup, o.Window, out var scale);
if (o.PromptTokens > 0)
{
    // Decode-bound variant: the trace's arrivals and output lengths, every prompt cut to the same few tokens.
    requests = requests.Select(r => r with { Prompt = o.PromptTokens }).ToList();
}

if (o.ClosedLoop > 0)
{
    // Closed loop: ClosedLoop clients, each sending its next request as soon as the previous one ends; every request
    // the same prompt and output length. The trace is not used.
    requests = Enumerable.Range(0, o.Requests).Select(_ => new TraceRequest(TimeSpan.Zero, Math.Max(2, o.PromptTokens), o.OutputTokens)).ToList();
}

var modelPath = o.Model;
if (o.Synthetic is { } shape)
{
    // Random weights with the real model's tokenizer, sized so that a decode step is bound by reading the weights.
    var generating = Stopwatch.GetTimestamp();
    modelPath = SyntheticLlamaModel.GetOrCreate(o.CacheDirectory, o.Model, shape, o.Seed);
    var vocab = ((GgufArray)GgufFile.Read(modelPath)["tokenizer.ggml.tokens"].Value).Count;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"synthetic model (random weights, tokenizer of {Path.GetFileName(o.Model)}): {modelPath}, {new FileInfo(modelPath).Length / 1e6:F1} MB, " +
        $"{shape.Parameters(vocab) / 1e6:F1}M parameters, embedding {shape.EmbeddingLength}, {shape.Layers} layers, FFN {shape.FeedForward}, " +
        $"{shape.Heads} heads ({shape.KvHeads} KV), vocabulary {vocab}, context {shape.ContextLength}, {shape.WeightType}; ready in {Stopwatch.GetElapsedTime(generating).TotalSeconds:F1} s"));
}

using var model = LlamaModel.Load(modelPath);
var engineOptions = new LlamaEngineOptions
{
    MaxSequences = o.Sequences,
    ContextWindow = o.Window,
    Threads = o.Threads,
    UnifiedKvCache = o.UnifiedKv,
    FlashAttention = o.FlashAttention,
    KvCacheF32 = o.KvF32,
    PrefillTokensPerStep = o.PrefillPerStep,
    MaxQueuedRequests = 4096,
};

var span = requests[^1].Offset.TotalSeconds;
Console.WriteLine(o.ClosedLoop > 0
    ? string.Create(CultureInfo.InvariantCulture,
        $"model {Path.GetFileName(modelPath)}, closed loop: {o.ClosedLoop} clients, {requests.Count} requests of {requests[0].Prompt} prompt and {requests[0].Output} output tokens")
    : string.Create(CultureInfo.InvariantCulture,
        $"model {Path.GetFileName(modelPath)}, {requests.Count} requests arriving over {span:F2} s (trace compressed {o.Speedup}x), token scale {scale:F3}: " +
        $"{requests.Sum(r => r.Prompt)} prompt and {requests.Sum(r => r.Output)} output tokens"));
Console.WriteLine($"engine: {o.Sequences} sequences, window {o.Window}, threads {o.Threads}, unified KV {o.UnifiedKv}, " +
    $"flash attention {o.FlashAttention?.ToString() ?? "auto"}, KV {(o.KvF32 ? "f32" : "f16")}, prefill tokens per step {(o.PrefillPerStep > 0 ? o.PrefillPerStep.ToString(CultureInfo.InvariantCulture) : "what the batch leaves")}; {o.Repeats} repeats");

// Warm-up: JIT and the native library's first decodes, so neither mode pays them inside its measurement.
await Replay.RunAsync(model, engineOptions with { Scheduling = SchedulingMode.Sequential }, requests.Take(8).ToList(), profile: null, o.ClosedLoop);
await Replay.RunAsync(model, engineOptions, requests.Take(8).ToList(), profile: null, o.ClosedLoop);

// One stream alone: what a single decode token costs on this model (the number to size a synthetic model by).
var single = await Replay.RunAsync(model, engineOptions with { Scheduling = SchedulingMode.Sequential }, [new TraceRequest(TimeSpan.Zero, 8, 33)], profile: null, closedLoop: 0);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one stream alone, 8 prompt and 33 output tokens: TTFT {single.TtftP50:F1} ms, TPOT {single.TpotP50:F2} ms"));

var results = new Dictionary<SchedulingMode, List<ReplayResult>> { [SchedulingMode.Sequential] = [], [SchedulingMode.ContinuousBatching] = [] };
var profiles = new Dictionary<SchedulingMode, StepProfile>
{
    [SchedulingMode.Sequential] = new(o.Sequences),
    [SchedulingMode.ContinuousBatching] = new(o.Sequences),
};
for (var repeat = 0; repeat < o.Repeats; repeat++)
{
    // Alternate which mode goes first, so a drift in the shared machine's load does not favour one.
    var order = repeat % 2 == 0
        ? new[] { SchedulingMode.Sequential, SchedulingMode.ContinuousBatching }
        : [SchedulingMode.ContinuousBatching, SchedulingMode.Sequential];
    foreach (var mode in order)
    {
        var result = await Replay.RunAsync(model, engineOptions with { Scheduling = mode }, requests, profiles[mode], o.ClosedLoop);
        results[mode].Add(result);
        Console.WriteLine($"  run {repeat + 1} {result}");
    }
}

var seq = results[SchedulingMode.Sequential];
var cont = results[SchedulingMode.ContinuousBatching];
var gains = seq.Zip(cont, (s, c) => c.TokensPerSecond / s.TokensPerSecond).ToList();
var ttftRatios = seq.Zip(cont, (s, c) => c.TtftP99 / s.TtftP99).ToList();
Console.WriteLine();
Console.WriteLine($"medians of {o.Repeats}:");
Console.WriteLine("| mode | output tok/s | makespan (s) | TTFT p50 / p99 (ms) | TPOT p50 / p99 (ms) | requests in flight (mean) | sequences per decode step (mean) |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var (name, runs) in new[] { ("sequential", seq), ($"continuous ({o.Sequences})", cont) })
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {Stats.Median(runs.Select(r => r.TokensPerSecond)):F0} | {Stats.Median(runs.Select(r => r.Makespan.TotalSeconds)):F2} | " +
        $"{Stats.Median(runs.Select(r => r.TtftP50)):F0} / {Stats.Median(runs.Select(r => r.TtftP99)):F0} | " +
        $"{Stats.Median(runs.Select(r => r.TpotP50)):F2} / {Stats.Median(runs.Select(r => r.TpotP99)):F2} | " +
        $"{Stats.Median(runs.Select(r => r.MeanInFlight)):F1} | {Stats.Median(runs.Select(r => r.MeanDecodeBatch)):F1} |"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"throughput gain (median of per-repeat ratios) {Stats.Median(gains):F2}x [{string.Join(", ", gains.Select(g => g.ToString("F2", CultureInfo.InvariantCulture)))}]; " +
    $"TTFT p99 continuous / sequential {Stats.Median(ttftRatios):F2}"));

Console.WriteLine();
Console.WriteLine("where a step's time goes (mean per step, us; all repeats):");
Console.WriteLine("| mode | step kind | steps | tokens/step | build | llama_decode | sampling | text, stops, channel | KV readback | total | per output token |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
foreach (var (mode, profile) in profiles)
{
    for (var b = 1; b < profile.DecodeOnly.Length; b++)
    {
        PrintPhases(mode, $"decode {b}", profile.DecodeOnly[b], profile, b);
    }

    PrintPhases(mode, "with prefill", profile.WithPrefill, profile, 0);
}

if (o.ColdStart)
{
    // Cold start of the same file: the node memory tier (tmpfs) versus the repository file after dropping its page cache.
    var staged = ModelFileTiers.StageInMemory(o.Model);
    var repo = new List<double>();
    var memory = new List<double>();
    for (var i = 0; i < 10; i++)
    {
        ModelFileTiers.EvictFromPageCache(o.Model);
        using (var cold = LlamaModel.Load(o.Model)) { repo.Add(cold.LoadTime.TotalMilliseconds); }
        using (var warm = LlamaModel.Load(staged)) { memory.Add(warm.LoadTime.TotalMilliseconds); }
    }

    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold start (median of 10): repository {Stats.Median(repo):F2} ms, memory tier {Stats.Median(memory):F2} ms"));
}

static void PrintPhases(SchedulingMode mode, string kind, StepPhases p, StepProfile profile, int outputsPerStep)
{
    if (p.Steps < 20)
    {
        return; // too few to mean anything
    }

    double Us(long ticks) => profile.Microseconds(ticks) / p.Steps;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {(mode == SchedulingMode.Sequential ? "sequential" : "continuous")} | {kind} | {p.Steps} | {p.Tokens / (double)p.Steps:F1} | {Us(p.Build):F1} | {Us(p.Decode):F1} | " +
        $"{Us(p.Sample):F1} | {Us(p.Emit):F1} | {Us(p.Memory):F1} | {Us(p.Total):F1} | {(outputsPerStep > 0 ? (Us(p.Total) / outputsPerStep).ToString("F1", CultureInfo.InvariantCulture) : "")} |"));
}

namespace Stoke.LlmBench
{
    internal sealed record TraceRequest(TimeSpan Offset, int Prompt, int Output);

    internal static class TraceFile
    {
        // Arrival times divided by the speedup; token counts scaled by one factor so the largest request fits the window.
        public static List<TraceRequest> Load(string path, int count, double speedup, int window, out double scale)
        {
            var rows = File.ReadLines(path).Skip(1).Take(count).Select(l => l.Split(',')).Select(p => (
                At: DateTime.Parse(p[0], CultureInfo.InvariantCulture),
                Context: int.Parse(p[1], CultureInfo.InvariantCulture),
                Generated: int.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
            var maxTotal = rows.Max(r => r.Context + r.Generated);
            var s = (window - 16) / (double)maxTotal;
            scale = s;
            var t0 = rows[0].At;
            return rows.Select(r => new TraceRequest(
                TimeSpan.FromTicks((long)((r.At - t0).Ticks / speedup)),
                Math.Max(4, (int)(r.Context * s)),
                Math.Max(2, (int)(r.Generated * s)))).ToList();
        }
    }

    internal sealed record ReplayResult(
        SchedulingMode Mode, TimeSpan Makespan, int OutputTokens, double TtftP50, double TtftP99, double TpotP50, double TpotP99,
        double MeanInFlight, double MeanDecodeBatch, int PeakBatch)
    {
        public double TokensPerSecond => OutputTokens / Makespan.TotalSeconds;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{(Mode == SchedulingMode.Sequential ? "sequential" : "continuous"),-10} {TokensPerSecond,6:F0} tok/s  makespan {Makespan.TotalSeconds:F2} s  " +
            $"TTFT p50 {TtftP50:F0} p99 {TtftP99:F0} ms  TPOT p50 {TpotP50:F2} p99 {TpotP99:F2} ms  in flight {MeanInFlight:F1}  " +
            $"sequences/decode step {MeanDecodeBatch:F1} (peak batch {PeakBatch})");
    }

    internal static class Replay
    {
        /// <summary>
        /// Open loop (<paramref name="closedLoop"/> 0): each request is sent at its offset. Closed loop: that many clients
        /// take the requests in order, each sending its next one when its previous one has ended.
        /// </summary>
        public static async Task<ReplayResult> RunAsync(LlamaModel model, LlamaEngineOptions options, List<TraceRequest> requests, StepProfile? profile, int closedLoop)
        {
            var runProfile = new StepProfile(options.MaxSequences);
            ReplayResult result;
            await using (var engine = new ContinuousBatchingEngine(model, options, null, null, null, runProfile))
            {
                var start = Stopwatch.GetTimestamp();
                async Task<(GenerationTimings Timings, TimeSpan InSystem)> SendAsync(TraceRequest r)
                {
                    var submitted = Stopwatch.GetElapsedTime(start);
                    var prompt = string.Join(' ', Enumerable.Repeat("the", r.Prompt - 1)); // BOS + one token per word
                    GenerationChunk? last = null;
                    await foreach (var chunk in engine.GenerateAsync(new GenerationRequest { Prompt = prompt, MaxTokens = r.Output, IgnoreEndOfGeneration = true, Seed = 1 }))
                    {
                        last = chunk;
                    }

                    return (last!.Timings, Stopwatch.GetElapsedTime(start) - submitted);
                }

                (GenerationTimings Timings, TimeSpan InSystem)[] done;
                if (closedLoop > 0)
                {
                    var next = -1;
                    var clients = Enumerable.Range(0, Math.Min(closedLoop, requests.Count)).Select(async _ =>
                    {
                        var mine = new List<(GenerationTimings, TimeSpan)>();
                        for (var i = Interlocked.Increment(ref next); i < requests.Count; i = Interlocked.Increment(ref next))
                        {
                            mine.Add(await SendAsync(requests[i]));
                        }

                        return mine;
                    }).ToList();
                    done = (await Task.WhenAll(clients)).SelectMany(c => c).ToArray();
                }
                else
                {
                    done = await Task.WhenAll(requests.Select(async r =>
                    {
                        var wait = r.Offset - Stopwatch.GetElapsedTime(start);
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, TimeProvider.System);
                        }

                        return await SendAsync(r);
                    }));
                }

                var makespan = Stopwatch.GetElapsedTime(start);
                var ttft = done.Select(d => d.Timings.TimeToFirstToken.TotalMilliseconds).ToList();
                var tpot = done.Where(d => d.Timings.CompletionTokens > 1).Select(d => d.Timings.TimePerOutputToken.TotalMilliseconds).ToList();
                long decodeSteps = 0, decodeSequences = 0;
                for (var b = 1; b < runProfile.DecodeOnly.Length; b++)
                {
                    decodeSteps += runProfile.DecodeOnly[b].Steps;
                    decodeSequences += runProfile.DecodeOnly[b].Steps * b;
                }

                result = new ReplayResult(
                    options.Scheduling, makespan, done.Sum(d => d.Timings.CompletionTokens),
                    Stats.Percentile(ttft, 0.5), Stats.Percentile(ttft, 0.99), Stats.Percentile(tpot, 0.5), Stats.Percentile(tpot, 0.99),
                    done.Sum(d => d.InSystem.TotalSeconds) / makespan.TotalSeconds, // Little's law: mean requests in the system
                    decodeSteps == 0 ? 0 : decodeSequences / (double)decodeSteps,
                    engine.PeakBatchSequences);
            }

            if (profile is not null)
            {
                Add(profile.WithPrefill, runProfile.WithPrefill);
                for (var b = 0; b < runProfile.DecodeOnly.Length; b++)
                {
                    Add(profile.DecodeOnly[b], runProfile.DecodeOnly[b]);
                }
            }

            return result;
        }

        private static void Add(StepPhases into, StepPhases from)
        {
            into.Steps += from.Steps;
            into.Tokens += from.Tokens;
            into.Build += from.Build;
            into.Decode += from.Decode;
            into.Sample += from.Sample;
            into.Emit += from.Emit;
            into.Memory += from.Memory;
        }
    }

    internal static class Stats
    {
        public static double Median(IEnumerable<double> values) => Percentile(values.ToList(), 0.5);

        // Nearest rank.
        public static double Percentile(List<double> values, double q)
        {
            if (values.Count == 0)
            {
                return 0;
            }

            var sorted = values.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    internal sealed record BenchOptions
    {
        public string Model { get; init; } = Shared("models/llm/stories260K.gguf");
        public string Trace { get; init; } = Shared("traces/azure_llm_2023/AzureLLMInferenceTrace_conv.csv");
        public int Requests { get; init; } = 64;
        public double Speedup { get; init; } = 1000;
        public int Sequences { get; init; } = 8;
        public int Threads { get; init; } = 1;
        public int Window { get; init; } = 512;
        public int Repeats { get; init; } = 3;
        public bool UnifiedKv { get; init; }
        public bool? FlashAttention { get; init; }
        public bool KvF32 { get; init; }
        public int PrefillPerStep { get; init; }
        public bool ColdStart { get; init; }
        public int PromptTokens { get; init; }
        public int ClosedLoop { get; init; }
        public int OutputTokens { get; init; } = 32;

        /// <summary>Shape of the synthetic model to generate and serve instead of <see cref="Model"/> (whose tokenizer it borrows).</summary>
        public SyntheticLlamaShape? Synthetic { get; init; }
        public int Seed { get; init; } = 1;
        public string CacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "stoke-synthetic-models");

        // ../shared beside the clone, found by walking up; without it the path says where it was expected.
        private static string Shared(string relative) => Stoke.Samples.SharedModels.TryFind(out var models)
            ? Path.Combine(Path.GetDirectoryName(models)!, relative)
            : Path.Combine("..", "shared", relative);

        public static BenchOptions Parse(string[] args)
        {
            var o = new BenchOptions();
            SyntheticLlamaShape Shape() => o.Synthetic ?? new SyntheticLlamaShape();
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
                o = args[i] switch
                {
                    "--model" => o with { Model = Next() },
                    "--trace" => o with { Trace = Next() },
                    "--requests" => o with { Requests = Int() },
                    "--speedup" => o with { Speedup = double.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--sequences" => o with { Sequences = Int() },
                    "--threads" => o with { Threads = Int() },
                    "--window" => o with { Window = Int() },
                    "--repeats" => o with { Repeats = Int() },
                    "--unified-kv" => o with { UnifiedKv = true },
                    "--flash-attention" => o with { FlashAttention = Next() switch { "on" => true, "off" => false, "auto" => null, var v => throw new ArgumentException($"--flash-attention {v}: on, off or auto") } },
                    "--kv" => o with { KvF32 = Next() switch { "f32" => true, "f16" => false, var v => throw new ArgumentException($"--kv {v}: f16 or f32") } },
                    "--prefill-per-step" => o with { PrefillPerStep = Int() },
                    "--cold-start" => o with { ColdStart = true },
                    "--prompt-tokens" => o with { PromptTokens = Int() },
                    "--closed-loop" => o with { ClosedLoop = Int() },
                    "--output-tokens" => o with { OutputTokens = Int() },
                    "--synthetic" => o with { Synthetic = Shape() },
                    "--embedding" => o with { Synthetic = Shape() with { EmbeddingLength = Int() } },
                    "--layers" => o with { Synthetic = Shape() with { Layers = Int() } },
                    "--ffn" => o with { Synthetic = Shape() with { FeedForwardLength = Int() } },
                    "--heads" => o with { Synthetic = Shape() with { Heads = Int() } },
                    "--kv-heads" => o with { Synthetic = Shape() with { KvHeads = Int() } },
                    "--context" => o with { Synthetic = Shape() with { ContextLength = Int() } },
                    "--weights" => o with
                    {
                        Synthetic = Shape() with
                        {
                            WeightType = Next() switch
                            {
                                "f32" => GgmlType.F32,
                                "f16" => GgmlType.F16,
                                "q8_0" => GgmlType.Q8_0,
                                var v => throw new ArgumentException($"--weights {v}: f32, f16 or q8_0"),
                            },
                        },
                    },
                    "--seed" => o with { Seed = Int() },
                    "--cache-dir" => o with { CacheDirectory = Next() },
                    var a => throw new ArgumentException(
                        $"unknown argument {a}; use --model --trace --requests --speedup --sequences --threads --window --repeats " +
                        "--unified-kv --flash-attention on|off|auto --kv f16|f32 --prefill-per-step N --prompt-tokens N --cold-start " +
                        "--closed-loop CLIENTS --output-tokens N " +
                        "--synthetic [--embedding 1024 --layers 8 --ffn 4096 --heads 16 --kv-heads 4 --context 1024 --weights f32|f16|q8_0 --seed 1 --cache-dir DIR]"),
                };
            }

            return o;
        }
    }
}
