namespace Stoke.Engines.Llama.Tests;

[Collection(ModelCollection.Name)]
public sealed class GenerationTests(ModelFixture fixture)
{
    private static readonly LlamaEngineOptions Small = new() { Threads = 1, ContextWindow = 256, MaxSequences = 4 };

    [Fact]
    public async Task GeneratesStoryTextFromOnceUponATime()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);

        var (text, final) = await engine.CollectAsync(new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 40, Seed = 1 });

        Assert.True(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 5, $"expected a few words, got '{text}'");
        Assert.Equal(engine.CountTokens("Once upon a time"), final.Usage.PromptTokens);
        Assert.InRange(final.Usage.CompletionTokens, 1, 40);
    }

    [Fact]
    public async Task SameSeedGivesSameText()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);
        var request = new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 48, Temperature = 1.0f, Seed = 42 };

        var first = await engine.CollectAsync(request);
        var second = await engine.CollectAsync(request);

        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task DifferentSeedsGiveDifferentText()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);
        var texts = new HashSet<string>();

        foreach (var seed in new uint[] { 1, 2, 3 })
        {
            var (text, _) = await engine.CollectAsync(
                new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 48, Temperature = 1.0f, Seed = seed });
            texts.Add(text);
        }

        Assert.True(texts.Count > 1, "three seeds all produced the same text");
    }

    [Fact]
    public async Task StopStringEndsGenerationBeforeTheStopString()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);
        var request = new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 60, Temperature = 0 };
        var (full, _) = await engine.CollectAsync(request);
        var words = full.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length > 6, $"baseline too short: '{full}'");
        var stop = words[5];
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var (text, final) = await engine.CollectAsync(request with { Stop = [stop] });

        Assert.Equal(FinishReasons.Stop, final.FinishReason);
        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task MaxTokensEndsGenerationWithFinishReasonLength()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);

        var (_, final) = await engine.CollectAsync(new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 7, Temperature = 0 });

        Assert.Equal(FinishReasons.Length, final.FinishReason);
        Assert.Equal(7, final.Usage.CompletionTokens);
    }

    [Fact]
    public async Task MaxTokensBeyondContextWindowIsRejectedAsBadRequest()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);

        var e = Assert.Throws<ContextWindowExceededException>(
            () => engine.GenerateAsync(new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 256 }));

        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.Equal(256, e.ContextWindow);
    }

    [Fact]
    public async Task FinalChunkReportsQueueTimeToFirstTokenAndTokenRate()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);

        var (_, final) = await engine.CollectAsync(
            new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 20, Temperature = 0, IgnoreEndOfGeneration = true });

        var t = final.Timings;
        Assert.Equal(20, t.CompletionTokens);
        Assert.True(t.Queue <= t.TimeToFirstToken && t.TimeToFirstToken <= t.Total, $"timings out of order: {t}");
        Assert.True(t.TimePerOutputToken > TimeSpan.Zero && t.TokensPerSecond > 0, $"no per-token timing: {t}");
    }
}
