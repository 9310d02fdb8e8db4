using System.Net;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Stoke.OpenAI.Tests.Support;

namespace Stoke.OpenAI.Tests;

/// <summary>
/// <c>logprobs</c> / <c>top_logprobs</c> computed from the llama sampling step's real logits (a log-softmax over the
/// vocabulary), read through the OpenAI SDK, and the other logit-shaping fields (<c>logit_bias</c>, penalties).
/// </summary>
[Collection(OpenAICollection.Name)]
public sealed class LogprobTests(OpenAIStoke stoke)
{
    private const int Top = 5;

    [Fact]
    public async Task EveryOutputTokenHasANonPositiveLogprobAndTheRequestedNumberOfAlternatives()
    {
        var completion = await GreedyWithLogprobsAsync();

        var tokens = completion.ContentTokenLogProbabilities;
        Assert.Equal(completion.Usage.OutputTokenCount, tokens.Count);
        Assert.All(tokens, t => Assert.True(t.LogProbability <= 0, $"logprob {t.LogProbability} of '{t.Token}'"));
        Assert.All(tokens, t => Assert.Equal(Top, t.TopLogProbabilities.Count));
    }

    [Fact]
    public async Task GreedyChoosesTheLikeliestTokenSoItsLogprobIsTheTopAlternative()
    {
        var completion = await GreedyWithLogprobsAsync();

        Assert.All(completion.ContentTokenLogProbabilities, t =>
        {
            Assert.Equal(t.TopLogProbabilities[0].LogProbability, t.LogProbability, 5);
            Assert.Equal(t.TopLogProbabilities[0].Token, t.Token);
        });
    }

    [Fact]
    public async Task TopLogprobsAreSortedAndTheirProbabilitiesSumToAtMostOne()
    {
        var completion = await GreedyWithLogprobsAsync();

        Assert.All(completion.ContentTokenLogProbabilities, t =>
        {
            var top = t.TopLogProbabilities.Select(a => a.LogProbability).ToArray();
            Assert.Equal(top.OrderByDescending(x => x), top);
            Assert.InRange(top.Sum(x => Math.Exp(x)), 0, 1 + 1e-5);
        });
    }

    [Fact]
    public async Task StreamedChunksCarryTheLogprobsOfTheirTokens()
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        var logprobs = new List<ChatTokenLogProbabilityDetails>();
        ChatTokenUsage? usage = null;

        await foreach (var update in chat.CompleteChatStreamingAsync(
            [ChatMessage.CreateUserMessage("Once upon a time")],
            new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = 2 }))
        {
            logprobs.AddRange(update.ContentTokenLogProbabilities);
            usage ??= update.Usage;
        }

        Assert.NotNull(usage);
        Assert.Equal(usage!.OutputTokenCount, logprobs.Count);
        Assert.All(logprobs, t => Assert.Equal(2, t.TopLogProbabilities.Count));
    }

    [Fact]
    public async Task LegacyCompletionLogprobsHaveOneColumnEntryPerToken()
    {
        var body = await PostAsync("/v1/completions", StrictFieldTests.Completion("""{"max_tokens":12,"logprobs":3}"""));

        var choice = body["choices"]![0]!;
        var logprobs = choice["logprobs"]!;
        var count = body["usage"]!["completion_tokens"]!.GetValue<int>();
        Assert.Equal(count, logprobs["tokens"]!.AsArray().Count);
        Assert.Equal(count, logprobs["token_logprobs"]!.AsArray().Count);
        Assert.All(logprobs["top_logprobs"]!.AsArray(), top => Assert.InRange(top!.AsObject().Count, 1, 3));
        Assert.Equal(string.Concat(logprobs["tokens"]!.AsArray().Select(t => t!.GetValue<string>())).Trim(), choice["text"]!.GetValue<string>().Trim());
    }

    [Fact]
    public async Task ALogitBiasOfOneHundredForcesItsToken()
    {
        var body = await PostAsync("/v1/chat/completions", StrictFieldTests.Chat("""{"max_tokens":6,"logprobs":true,"logit_bias":{"300":100}}"""));

        var tokens = body["choices"]![0]!["logprobs"]!["content"]!.AsArray().Select(t => t!["token"]!.GetValue<string>()).ToArray();
        Assert.Equal(6, tokens.Length);
        Assert.Single(tokens.Distinct());
    }

    [Fact]
    public async Task AFrequencyPenaltyChangesWhatGreedyDecodingWrites()
    {
        var plain = await PostAsync("/v1/completions", StrictFieldTests.Completion("""{"max_tokens":48}"""));
        var penalised = await PostAsync("/v1/completions", StrictFieldTests.Completion("""{"max_tokens":48,"frequency_penalty":2}"""));

        Assert.NotEqual(plain["choices"]![0]!["text"]!.GetValue<string>(), penalised["choices"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task EchoPutsThePromptBeforeTheCompletion()
    {
        var body = await PostAsync("/v1/completions", StrictFieldTests.Completion("""{"echo":true}"""));

        Assert.StartsWith("Once upon a time", body["choices"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"top_logprobs":2}""", "top_logprobs")]
    [InlineData("/v1/chat/completions", """{"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("/v1/chat/completions", """{"logit_bias":{"abc":1}}""", "logit_bias")]
    [InlineData("/v1/chat/completions", """{"presence_penalty":3}""", "presence_penalty")]
    [InlineData("/v1/completions", """{"logprobs":6}""", "logprobs")]
    [InlineData("/v1/completions", """{"logprobs":1,"echo":true}""", "echo")]
    public async Task OutOfRangeLogitFieldsAreRefusedNamingThem(string path, string fields, string param) =>
        await stoke.AssertRefusedAsync(path, path.Contains("chat", StringComparison.Ordinal) ? StrictFieldTests.Chat(fields) : StrictFieldTests.Completion(fields), param);

    private async Task<ChatCompletion> GreedyWithLogprobsAsync()
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        var result = await chat.CompleteChatAsync(
            [ChatMessage.CreateUserMessage("Once upon a time")],
            new ChatCompletionOptions { MaxOutputTokenCount = 24, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = Top });
        Assert.NotEmpty(result.Value.ContentTokenLogProbabilities);
        return result.Value;
    }

    private async Task<JsonNode> PostAsync(string path, JsonObject body)
    {
        using var http = stoke.Http();
        var response = await http.PostAsync(path, ChatCompletionTests.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }
}
