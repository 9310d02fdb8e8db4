namespace Stoke.Engines.Llama.Tests;

[Collection(ModelCollection.Name)]
public sealed class BatchingTests(ModelFixture fixture)
{
    private static readonly string[] Prompts = ["Once upon a time", "The little dog", "One day, Lily", "Tom had a big"];

    private static GenerationRequest Greedy(string prompt, int maxTokens = 40) =>
        new() { Prompt = prompt, MaxTokens = maxTokens, Temperature = 0 };

    private static GenerationRequest Endless(string prompt = "Once upon a time", int maxTokens = 1500) =>
        new() { Prompt = prompt, MaxTokens = maxTokens, Temperature = 0, IgnoreEndOfGeneration = true };

    // A generation that cannot end by itself while a test waits for it to be freed. llama.cpp decodes in real time on
    // its own thread, so no fake clock can drive it: those tests poll with a real-time bound. Attention over a growing
    // context makes the cost per token grow with its position: 16,000 tokens of stories260K took over a minute on the
    // 2-core CI machine (the first 2,000 alone 2.4 s) and would take several seconds on a core ten times faster, far
    // past the bound; a cancelled sequence leaves before the next decode step, a few milliseconds.
    private const int LongContext = 16_384;
    private const int FreedWithinMs = 2_000;

    private static readonly LlamaEngineOptions LongRunning = new() { Threads = 1, ContextWindow = LongContext, MaxSequences = 1 };

    [Fact]
    public async Task ConcurrentGenerationsDecodeInOneBatch()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, MaxSequences = 4 });

        await Task.WhenAll(Prompts.Select(p => engine.CollectAsync(Greedy(p, 60) with { IgnoreEndOfGeneration = true })));

        Assert.True(engine.PeakBatchSequences > 1, $"largest batch had {engine.PeakBatchSequences} sequence(s)");
    }

    [Fact]
    public async Task BatchedGreedyOutputEqualsSequentialOutput()
    {
        await using var sequential = new ContinuousBatchingEngine(
            fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, Scheduling = SchedulingMode.Sequential });
        var expected = new List<string>();
        foreach (var p in Prompts)
        {
            expected.Add((await sequential.CollectAsync(Greedy(p))).Text);
        }

        await using var batched = new ContinuousBatchingEngine(fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, MaxSequences = 4 });
        var actual = await Task.WhenAll(Prompts.Select(p => batched.CollectAsync(Greedy(p))));

        Assert.True(batched.PeakBatchSequences > 1, "the batched run did not batch");
        Assert.Equal(expected, actual.Select(a => a.Text));
    }

    [Fact]
    public async Task SequentialModeDecodesOneSequenceAtATime()
    {
        await using var engine = new ContinuousBatchingEngine(
            fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, Scheduling = SchedulingMode.Sequential });

        await Task.WhenAll(Prompts.Select(p => engine.CollectAsync(Greedy(p, 20))));

        Assert.Equal(1, engine.PeakBatchSequences);
    }

    [Fact]
    public async Task RequestJoiningMidFlightStartsBeforeRunningOneEnds()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 2048, MaxSequences = 4 });
        using var cts = new CancellationTokenSource();
        await using var running = engine.GenerateAsync(Endless(), cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await running.MoveNextAsync());

        var (_, joined) = await engine.CollectAsync(Greedy("The little dog", 20));

        // The joiner finished while the long one is still generating: it did not wait for it.
        Assert.Equal(FinishReasons.Length, joined.FinishReason);
        Assert.Equal(1, engine.ActiveSequences);
        Assert.True(await running.MoveNextAsync() && !running.Current.IsFinal, "the running generation had already ended");
        await cts.CancelAsync();
    }

    [Fact]
    public async Task CancellingMidStreamFreesSequenceAndKvCache()
    {
        using var generations = new FinishedGenerations();
        await using var engine = new ContinuousBatchingEngine(fixture.Model, LongRunning, meterFactory: generations);
        var request = Endless(maxTokens: LongContext - engine.CountTokens("Once upon a time"));
        using var cts = new CancellationTokenSource();
        var chunks = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in engine.GenerateAsync(request, cts.Token))
            {
                if (++chunks == 10)
                {
                    Assert.Equal(1, engine.ActiveSequences);
                    Assert.True(engine.KvCacheUsedCells > 0, "a running sequence holds KV cells");
                    await cts.CancelAsync();
                }
            }
        });

        await Wait.UntilAsync(() => engine.ActiveSequences == 0 && engine.KvCacheUsedCells == 0, "the cancelled sequence leaves and frees its KV cells", FreedWithinMs);
        Assert.Equal(0, engine.KvCacheReservedCells);
        Assert.Equal([FinishReasons.Cancelled], generations.Reasons);
        Assert.True(generations.CompletionTokens.Single() < request.MaxTokens, $"it generated all {request.MaxTokens} tokens: it ended by itself");
    }

    [Fact]
    public async Task AbandonedStreamFreesItsSequence()
    {
        using var generations = new FinishedGenerations();
        await using var engine = new ContinuousBatchingEngine(fixture.Model, LongRunning, meterFactory: generations);
        var request = Endless(maxTokens: LongContext - engine.CountTokens("Once upon a time"));

        await foreach (var _ in engine.GenerateAsync(request))
        {
            break;
        }

        await Wait.UntilAsync(() => engine.ActiveSequences == 0 && engine.KvCacheUsedCells == 0, "the abandoned sequence is freed", FreedWithinMs);
        Assert.Equal([FinishReasons.Cancelled], generations.Reasons);
        Assert.True(generations.CompletionTokens.Single() < request.MaxTokens, $"it generated all {request.MaxTokens} tokens: it ended by itself");
    }

    [Fact]
    public async Task FullQueueIsRefusedWithRetryAfter()
    {
        var options = new LlamaEngineOptions { Threads = 1, ContextWindow = 2048, MaxSequences = 1, MaxQueuedRequests = 1, RetryAfter = TimeSpan.FromSeconds(3) };
        await using var engine = new ContinuousBatchingEngine(fixture.Model, options);
        using var cts = new CancellationTokenSource();
        var running = engine.GenerateAsync(Endless(), cts.Token);
        await Wait.UntilAsync(() => engine.ActiveSequences == 1, "the first request runs");
        var waiting = engine.GenerateAsync(Endless(), cts.Token);
        Assert.Equal(1, engine.QueuedRequests);

        var e = Assert.Throws<EngineOverloadedException>(() => engine.GenerateAsync(Greedy("The little dog")));

        Assert.Equal(TimeSpan.FromSeconds(3), e.RetryAfter);
        await cts.CancelAsync();
    }

    [Fact]
    public async Task RequestWaitsUntilItsKvCellsAreFree()
    {
        await using var engine = new ContinuousBatchingEngine(
            fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, KvCacheCells = 256, MaxSequences = 4 });
        var capacity = engine.KvCacheCapacity;
        var prompt = engine.CountTokens("Once upon a time");
        using var cts = new CancellationTokenSource();
        var big = engine.GenerateAsync(Endless(maxTokens: capacity - prompt - 10), cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await big.MoveNextAsync());

        var small = engine.CollectAsync(Greedy("Once upon a time", 20));
        var steps = engine.Steps;
        await Wait.UntilAsync(() => engine.Steps > steps + 3, "a few decode steps pass");

        Assert.Equal(1, engine.ActiveSequences);
        Assert.Equal(1, engine.QueuedRequests);
        await cts.CancelAsync();
        await big.DisposeAsync();
        var (_, final) = await small;
        Assert.NotNull(final.FinishReason);
    }

    [Fact]
    public async Task DisposingTheEngineEndsRunningGenerationsAsCancelled()
    {
        var engine = new ContinuousBatchingEngine(fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 2048 });
        var stream = engine.CollectAsync(Endless());
        await Wait.UntilAsync(() => engine.ActiveSequences == 1, "the request runs");

        await engine.DisposeAsync();

        Assert.Equal(FinishReasons.Cancelled, (await stream).Final.FinishReason);
    }

    [Fact]
    public async Task ChunkedPrefillGivesTheSameGreedyText()
    {
        const string prompt = "Once upon a time, there was a little girl named Lily who loved to play outside";
        await using var whole = new ContinuousBatchingEngine(fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, MaxSequences = 2 });
        await using var chunked = new ContinuousBatchingEngine(
            fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, MaxSequences = 2, PrefillTokensPerStep = 3 });

        var expected = await whole.CollectAsync(Greedy(prompt, 30));
        var actual = await chunked.CollectAsync(Greedy(prompt, 30));

        Assert.Equal(expected.Text, actual.Text);
    }

    [Fact]
    public async Task ChunkedPrefillTakesOneStepPerChunk()
    {
        const string prompt = "Once upon a time, there was a little girl named Lily who loved to play outside";
        await using var engine = new ContinuousBatchingEngine(
            fixture.Model, new LlamaEngineOptions { Threads = 1, ContextWindow = 256, MaxSequences = 2, PrefillTokensPerStep = 4 });
        var promptTokens = engine.CountTokens(prompt);

        await engine.CollectAsync(Greedy(prompt, 1));

        // ceil(prompt / 4) prefill steps; the last one samples the single output token.
        Assert.Equal((promptTokens + 3) / 4, engine.Steps);
    }

    [Fact]
    public async Task FlashAttentionOffAndF32KvGiveTheSameGreedyTextBatchedAsSequential()
    {
        var options = new LlamaEngineOptions { Threads = 1, ContextWindow = 256, MaxSequences = 4, FlashAttention = false, KvCacheF32 = true };
        await using var sequential = new ContinuousBatchingEngine(fixture.Model, options with { Scheduling = SchedulingMode.Sequential });
        var expected = new List<string>();
        foreach (var p in Prompts)
        {
            expected.Add((await sequential.CollectAsync(Greedy(p))).Text);
        }

        await using var batched = new ContinuousBatchingEngine(fixture.Model, options);
        var actual = await Task.WhenAll(Prompts.Select(p => batched.CollectAsync(Greedy(p))));

        Assert.Equal(expected, actual.Select(a => a.Text));
    }
}
