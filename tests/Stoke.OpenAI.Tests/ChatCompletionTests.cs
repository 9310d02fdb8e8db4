using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Stoke.OpenAI.Tests.Support;
using ChatMessage = OpenAI.Chat.ChatMessage;

namespace Stoke.OpenAI.Tests;

/// <summary>The OpenAI API driven by the official OpenAI .NET SDK and Microsoft.Extensions.AI against a real node and model.</summary>
[Collection(OpenAICollection.Name)]
public sealed class ChatCompletionTests(OpenAIStoke stoke)
{
    [Fact]
    public async Task StreamsChatWithUsageInTheFinalChunk()
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        global::OpenAI.Chat.ChatFinishReason? finish = null;
        var updates = 0;

        await foreach (var update in chat.CompleteChatStreamingAsync(
            [ChatMessage.CreateSystemMessage("You tell stories."), ChatMessage.CreateUserMessage("Once upon a time")],
            new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 0.8f, Seed = 3 }))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.True(updates > 3, $"expected a token-by-token stream, got {updates} updates");
        Assert.NotEmpty(text.ToString());
        Assert.NotNull(finish);
        Assert.NotNull(usage);
        Assert.True(usage!.InputTokenCount > 0);
        Assert.InRange(usage.OutputTokenCount, 1, 24);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiGetsANonStreamingAnswerAndSameSeedRepeats()
    {
        IChatClient client = stoke.OpenAI().GetChatClient(OpenAIStoke.Model).AsIChatClient();
        var options = new ChatOptions { MaxOutputTokens = 20, Temperature = 1.0f, Seed = 42 };

        var first = await client.GetResponseAsync("Tell me about a dog.", options);
        var second = await client.GetResponseAsync("Tell me about a dog.", options);

        Assert.False(string.IsNullOrEmpty(first.Text));
        Assert.Equal(first.Text, second.Text);
        Assert.True(first.Usage?.OutputTokenCount > 0);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiStreamsAChatAndItsUsage()
    {
        IChatClient client = stoke.OpenAI().GetChatClient(OpenAIStoke.Model).AsIChatClient();
        var text = new StringBuilder();
        UsageDetails? usage = null;

        await foreach (var update in client.GetStreamingResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 16, Temperature = 0 }))
        {
            text.Append(update.Text);
            usage ??= update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
        }

        var whole = await client.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 16, Temperature = 0 });
        Assert.Equal(whole.Text, text.ToString());
        Assert.True(usage?.OutputTokenCount > 0, "the stream's last chunk carries usage");
    }

    [Fact]
    public async Task MicrosoftExtensionsAiGetsTypedStructuredOutput()
    {
        IChatClient client = stoke.OpenAI().GetChatClient(OpenAIStoke.Model).AsIChatClient();

        var response = await client.GetResponseAsync<Pet>("Describe a pet.", new ChatOptions { MaxOutputTokens = 200, Temperature = 0 }, useJsonSchemaResponseFormat: true);

        Assert.True(response.TryGetResult(out var pet), response.Text);
        Assert.NotNull(pet!.Name);
    }

    /// <summary>A shape for structured output; Microsoft.Extensions.AI derives its JSON schema.</summary>
    public sealed record Pet(string Name, int Age, bool Fluffy);

    [Fact]
    public async Task LegacyCompletionsAnswerWithTextAndUsage()
    {
        using var http = stoke.Http();
        var response = await http.PostAsync("/v1/completions", Json(new JsonObject
        {
            ["model"] = OpenAIStoke.Model, ["prompt"] = "The little cat", ["max_tokens"] = 16, ["temperature"] = 0, ["n"] = 2,
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("text_completion", body["object"]!.GetValue<string>());
        Assert.Equal(2, body["choices"]!.AsArray().Count);
        Assert.True(body["usage"]!["completion_tokens"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task MaxTokensBeyondTheContextWindowIsABadRequest()
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            chat.CompleteChatAsync([ChatMessage.CreateUserMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100_000 }));

        Assert.Equal(400, error.Status);
        Assert.Contains("context window", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModelIsNotFoundInOpenAIErrorShape()
    {
        using var http = stoke.Http();
        var response = await http.PostAsync("/v1/chat/completions", Json(new JsonObject
        {
            ["model"] = "no-such-model", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("model_not_found", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task MissingKeyIs401InOpenAIErrorShape()
    {
        var chat = stoke.OpenAI("sk-not-a-key-of-this-server").GetChatClient(OpenAIStoke.Model);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([ChatMessage.CreateUserMessage("hi")]));
        var body = JsonNode.Parse(error.GetRawResponse()!.Content.ToString())!["error"]!;

        Assert.Equal(401, error.Status);
        Assert.Equal("invalid_api_key", body["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListsDeployedModels()
    {
        var models = await stoke.OpenAI().GetOpenAIModelClient().GetModelsAsync();

        Assert.Contains(models.Value, m => m.Id == OpenAIStoke.Model);
    }

    internal static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}

/// <summary>All OpenAI tests share one node (loading it takes seconds).</summary>
[CollectionDefinition(Name)]
public sealed class OpenAICollection : ICollectionFixture<OpenAIStoke>
{
    public const string Name = "openai";
}
