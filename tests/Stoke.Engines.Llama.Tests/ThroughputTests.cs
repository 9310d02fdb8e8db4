using Xunit.Abstractions;

namespace Stoke.Engines.Llama.Tests;

/// <summary>
/// Measurements the issue asks for, small enough for CI; set STOKE_LLM_BENCH=1 for longer runs.
/// The numbers go to the test output.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class ThroughputTests(ModelFixture fixture, ITestOutputHelper output)
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("STOKE_LLM_BENCH") == "1";

    [Fact]
    public async Task ContinuousBatchingDecodesEightStreamsInAnEighthOfTheSteps()
    {
        var tokens = Long ? 256 : 64;
        var runs = Long ? 5 : 1;
        await MeasureAsync(SchedulingMode.ContinuousBatching, unified: true, streams: 2, tokens: 8, runs: 1); // JIT and native warm-up
        foreach (var unified in new[] { true, false })
        {
            var sequential = await MeasureAsync(SchedulingMode.Sequential, unified, streams: 8, tokens, runs);
            var batched = await MeasureAsync(SchedulingMode.ContinuousBatching, unified, streams: 8, tokens, runs);

            // Wall-clock throughput on a shared CI machine is too noisy to assert; the step count is exact.
            output.WriteLine($"8 streams x {tokens} tokens, unified KV {unified}, median of {runs}: sequential {sequential.TokensPerSecond:F0} tokens/s " +
                $"in {sequential.Steps} steps; continuous batching {batched.TokensPerSecond:F0} tokens/s in {batched.Steps} steps " +
                $"({batched.TokensPerSecond / sequential.TokensPerSecond:F2}x)");
            Assert.True(batched.Steps * 4 < sequential.Steps, $"batched took {batched.Steps} steps, sequential {sequential.Steps}");
        }
    }

    [Fact]
    public void LoadFromMemoryTierIsMeasuredAgainstColdRepositoryFile()
    {
        var runs = Long ? 20 : 3;
        var dir = System.IO.Path.Combine(ModelFileTiers.DefaultMemoryTierDirectory, "test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var staged = ModelFileTiers.StageInMemory(TestModel.Path, dir);
            var cold = new List<double>();
            var memory = new List<double>();
            var evicted = true;
            for (var i = 0; i < runs; i++)
            {
                evicted &= ModelFileTiers.EvictFromPageCache(TestModel.Path);
                using (var m = LlamaModel.Load(TestModel.Path))
                {
                    cold.Add(m.LoadTime.TotalMilliseconds);
                }

                using (var m = LlamaModel.Load(staged))
                {
                    memory.Add(m.LoadTime.TotalMilliseconds);
                }
            }

            output.WriteLine($"load of {new FileInfo(TestModel.Path).Length} bytes over {runs} runs (page cache evicted: {evicted}): " +
                $"repository cold median {Median(cold):F2} ms, memory tier median {Median(memory):F2} ms");
            Assert.All(cold.Concat(memory), ms => Assert.True(ms > 0));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<(double TokensPerSecond, long Steps)> MeasureAsync(
        SchedulingMode mode, bool unified, int streams, int tokens, int runs)
    {
        var rates = new List<double>();
        long steps = 0;
        for (var run = 0; run < runs; run++)
        {
            var options = new LlamaEngineOptions
            {
                Threads = 1,
                Scheduling = mode,
                MaxSequences = streams,
                ContextWindow = 512,
                UnifiedKvCache = unified,
            };
            await using var engine = new ContinuousBatchingEngine(fixture.Model, options);
            var time = TimeProvider.System;
            var started = time.GetTimestamp();
            var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => engine.CollectAsync(new GenerationRequest
            {
                Prompt = "Once upon a time",
                MaxTokens = tokens,
                Seed = (uint)i,
                IgnoreEndOfGeneration = true,
            })));
            var elapsed = time.GetElapsedTime(started);
            rates.Add(results.Sum(r => r.Final.Usage.CompletionTokens) / elapsed.TotalSeconds);
            steps = engine.Steps;
        }

        return (Median(rates), steps);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
