namespace Stoke.Engines.Llama.Tests;

/// <summary>Constrained decoding with a GBNF grammar in the decode loop, and the refusal of one that does not parse.</summary>
[Collection(ModelCollection.Name)]
public sealed class GrammarTests(ModelFixture fixture)
{
    private static readonly LlamaEngineOptions Small = new() { Threads = 1, ContextWindow = 256, MaxSequences = 2 };

    [Theory]
    [InlineData(0f, 1u)]
    [InlineData(1f, 7u)]
    public async Task AGrammarDecidesWhatTheModelMayWriteAndEndsTheTextWhenComplete(float temperature, uint seed)
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);
        var request = new GenerationRequest
        {
            Prompt = "Once upon a time", MaxTokens = 40, Temperature = temperature, Seed = seed,
            Grammar = "root ::= \"yes\" | \"no\" | \"maybe so\"",
        };

        var (text, final) = await engine.CollectAsync(request);

        Assert.Contains(text, new[] { "yes", "no", "maybe so" });
        Assert.Equal(FinishReasons.Stop, final.FinishReason);
    }

    [Fact]
    public async Task AGrammarThatDoesNotParseIsRefusedBeforeItReachesTheSampler()
    {
        await using var engine = new ContinuousBatchingEngine(fixture.Model, Small);

        var error = Assert.Throws<ArgumentException>(() => engine.GenerateAsync(new GenerationRequest { Prompt = "Once", Grammar = "root ::= (\"a\"" }));

        Assert.Contains("grammar", error.Message, StringComparison.Ordinal);
        Assert.Equal("yes", (await engine.CollectAsync(new GenerationRequest { Prompt = "Once", MaxTokens = 4, Grammar = "root ::= \"yes\"" })).Text);
    }
}
