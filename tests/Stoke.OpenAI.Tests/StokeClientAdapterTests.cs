using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Stoke.Client;
using Stoke.OpenAI.Tests.Support;
using Stoke.Samples;

namespace Stoke.OpenAI.Tests;

/// <summary>
/// Stoke.Client's own Microsoft.Extensions.AI adapters (<see cref="StokeChatClient"/>, <see cref="StokeEmbeddingGenerator"/>),
/// no OpenAI SDK in between, against a real node with stories260K and MiniLM.
/// </summary>
[Collection(OpenAICollection.Name)]
public sealed class StokeClientAdapterTests(OpenAIStoke stoke)
{
    private const string Embedder = "minilm-adapter";
    private const int MiniLmDimensions = 384; // all-MiniLM-L6-v2's hidden size

    private static readonly ChatOptions Greedy = new() { MaxOutputTokens = 24, Temperature = 0, Seed = 7 };

    [Fact]
    public async Task ChatAnswersWithTextUsageAndALengthFinishWhenMaxTokensCutsIt()
    {
        using var chat = new StokeChatClient(stoke.Address, OpenAIStoke.Model, OpenAIStoke.Key);

        var response = await chat.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 6, Temperature = 0 });

        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.True(response.Usage?.InputTokenCount > 0, "prompt tokens counted");
        Assert.Equal(6, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task StreamedUpdatesConcatenateToTheNonStreamedGreedyText()
    {
        using var chat = new StokeChatClient(stoke.Address, OpenAIStoke.Model, OpenAIStoke.Key);
        var streamed = new StringBuilder();
        var textUpdates = 0;
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in chat.GetStreamingResponseAsync("Once upon a time", Greedy))
        {
            textUpdates += update.Text.Length > 0 ? 1 : 0;
            streamed.Append(update.Text);
            finish ??= update.FinishReason;
            usage ??= update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
        }

        var whole = await chat.GetResponseAsync("Once upon a time", Greedy);
        Assert.Equal(whole.Text, streamed.ToString());
        Assert.True(textUpdates > 1, $"expected token-by-token updates, got {textUpdates}");
        Assert.Equal(whole.FinishReason, finish);
        Assert.Equal(whole.Usage?.OutputTokenCount, usage?.OutputTokenCount);
    }

    [Fact]
    public async Task StopSequencesEndTheTextBeforeTheStopString()
    {
        using var chat = new StokeChatClient(stoke.Address, OpenAIStoke.Model, OpenAIStoke.Key);
        var free = (await chat.GetResponseAsync("Once upon a time", Greedy)).Text;
        var words = free.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length >= 4, $"the greedy text is too short to cut: '{free}'");
        var stop = " " + words[3];

        var cut = await chat.GetResponseAsync("Once upon a time", new ChatOptions
        {
            MaxOutputTokens = Greedy.MaxOutputTokens, Temperature = 0, Seed = 7, StopSequences = [stop],
        });

        Assert.Equal(free[..free.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
    }

    [Fact]
    public async Task JsonSchemaResponseFormatGivesATypedResult()
    {
        using var chat = new StokeChatClient(stoke.Address, OpenAIStoke.Model, OpenAIStoke.Key);

        var response = await chat.GetResponseAsync<ChatCompletionTests.Pet>("Describe a pet.", new ChatOptions { MaxOutputTokens = 200, Temperature = 0 }, useJsonSchemaResponseFormat: true);

        Assert.True(response.TryGetResult(out var pet), response.Text);
        Assert.NotNull(pet!.Name);
    }

    [Fact]
    public async Task JsonObjectResponseFormatConstrainsTheTextToAnObject()
    {
        using var chat = new StokeChatClient(stoke.Address, OpenAIStoke.Model, OpenAIStoke.Key);
        var options = new ChatOptions { MaxOutputTokens = 12, Temperature = 0 };

        var plain = await chat.GetResponseAsync("A pet:", options);
        options.ResponseFormat = ChatResponseFormat.Json;
        var json = await chat.GetResponseAsync("A pet:", options);

        // stories260K's free strings rarely close within a small budget (docs/openai.md), so the object's start is the proof.
        Assert.False(plain.Text.TrimStart().StartsWith('{'), plain.Text);
        Assert.StartsWith("{", json.Text.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddingsHaveTheModelsDimensionAndEqualTextsEqualVectors()
    {
        await DeployEmbedderAsync();
        using var generator = new StokeEmbeddingGenerator(stoke.Address, Embedder, OpenAIStoke.Key);

        var embeddings = await generator.GenerateAsync(["A cat sits on the mat.", "Stock markets fell sharply today.", "A cat sits on the mat."]);

        Assert.Equal(3, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(MiniLmDimensions, e.Vector.Length));
        Assert.Equal(embeddings[0].Vector.ToArray(), embeddings[2].Vector.ToArray());
        Assert.NotEqual(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());
        Assert.True(embeddings.Usage?.InputTokenCount > 0, "input tokens counted");
    }

    [Fact]
    public async Task AnUnknownModelThrowsWithTheServersOpenAIErrorMessage()
    {
        using var chat = new StokeChatClient(stoke.Address, "no-such-model", OpenAIStoke.Key);
        using var http = stoke.Http();
        var raw = await http.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"no-such-model","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));
        var serverMessage = JsonNode.Parse(await raw.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>();

        var error = await Assert.ThrowsAsync<StokeClientException>(() => chat.GetResponseAsync("Hi"));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal(serverMessage, error.ServerMessage);
        Assert.Equal("model_not_found", error.Code);
    }

    [Fact]
    public async Task AStreamRefusedBeforeItStartsThrowsTheServersError()
    {
        using var chat = new StokeChatClient(stoke.Address, OpenAIStoke.Model, OpenAIStoke.Key);

        var error = await Assert.ThrowsAsync<StokeClientException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 100_000 }))
            {
                _ = update;
            }
        });

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("context window", error.ServerMessage, StringComparison.Ordinal);
    }

    private async Task DeployEmbedderAsync()
    {
        using var client = new StokeClient(stoke.Address, OpenAIStoke.Key);
        await client.DeployAsync(
            Embedder,
            await File.ReadAllBytesAsync(SampleModels.MiniLm.ModelPath),
            await File.ReadAllBytesAsync(SampleModels.MiniLm.VocabPath!),
            [new("keepAliveSeconds", "300")]);
    }
}
