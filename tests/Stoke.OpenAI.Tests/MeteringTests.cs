using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Stoke.Client;
using Stoke.OpenAI.Tests.Support;

namespace Stoke.OpenAI.Tests;

/// <summary>Quotas per API key, token metering, and a client that goes away mid-stream.</summary>
[Collection(OpenAICollection.Name)]
public sealed class MeteringTests(OpenAIStoke stoke)
{
    [Fact]
    public async Task KeyOverItsRequestsPerMinuteGets429NamingTheLimit()
    {
        var chat = stoke.OpenAI(OpenAIStoke.LimitedKey).GetChatClient(OpenAIStoke.Model);
        ChatCompletionOptions options = new() { MaxOutputTokenCount = 4 };
        await chat.CompleteChatAsync([ChatMessage.CreateUserMessage("a")], options);
        await chat.CompleteChatAsync([ChatMessage.CreateUserMessage("b")], options);

        using var http = stoke.Http(OpenAIStoke.LimitedKey);
        var third = await http.PostAsync("/v1/chat/completions", ChatCompletionTests.Json(new JsonObject
        {
            ["model"] = OpenAIStoke.Model, ["max_tokens"] = 4, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "c" }),
        }));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Contains("requests per minute", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyOverItsTokensPerMinuteGets429()
    {
        var chat = stoke.OpenAI(OpenAIStoke.TokenLimitedKey).GetChatClient(OpenAIStoke.Model);
        await chat.CompleteChatAsync([ChatMessage.CreateUserMessage("Tell a long story")], new ChatCompletionOptions { MaxOutputTokenCount = 30, Temperature = 0 });

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            chat.CompleteChatAsync([ChatMessage.CreateUserMessage("again")], new ChatCompletionOptions { MaxOutputTokenCount = 4 }));

        Assert.Equal(429, error.Status);
        Assert.Contains("tokens per minute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerationsShowInTheFunctionsLatencyPercentiles()
    {
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        for (var i = 0; i < 3; i++)
        {
            await chat.CompleteChatAsync([ChatMessage.CreateUserMessage("A fox")], new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });
        }

        // Latencies reach the controller with the nodes' load reports, at its next tick.
        using var http = stoke.Http();
        JsonNode? status = null;
        for (var i = 0; i < 50 && (status?["p50Ms"]?.GetValue<double>() ?? 0) == 0; i++)
        {
            await Task.Delay(100);
            status = JsonNode.Parse(await http.GetStringAsync($"/api/functions/{OpenAIStoke.Model}"))!["status"]![0];
        }

        Assert.True(status!["p50Ms"]!.GetValue<double>() > 0, "a language-model function shows p50 0 after generations: " + status);
        Assert.True(status["p99Ms"]!.GetValue<double>() >= status["p50Ms"]!.GetValue<double>());
    }

    [Fact]
    public async Task UsageRecordsTokensAndTheirCost()
    {
        using var stokeClient = new StokeClient(stoke.Address, OpenAIStoke.Key);
        var before = await UsageAsync();
        var chat = stoke.OpenAI().GetChatClient(OpenAIStoke.Model);

        var answer = await chat.CompleteChatAsync([ChatMessage.CreateUserMessage("A bird")], new ChatCompletionOptions { MaxOutputTokenCount = 10, Temperature = 0 });

        var after = await UsageAsync();
        Assert.Equal(answer.Value.Usage.InputTokenCount, after.Input - before.Input);
        Assert.Equal(answer.Value.Usage.OutputTokenCount, after.Output - before.Output);
        var tokenCost = (answer.Value.Usage.InputTokenCount * 0.5m / 1000m) + (answer.Value.Usage.OutputTokenCount * 1.5m / 1000m);
        Assert.True(after.Cost - before.Cost >= tokenCost, $"cost grew by {after.Cost - before.Cost}, tokens alone cost {tokenCost}");
    }

    [Fact]
    public async Task ClientThatDisconnectsMidStreamFreesItsSequence()
    {
        // Nearly the whole 16k context with ignore-eos: far longer than FreedWithin even on a fast core (16,000 tokens
        // of this model took over a minute on the 2-core CI machine), so only the disconnect can end it in time.
        const int maxTokens = OpenAIStoke.LongContext - 32;
        using var generations = new EngineGenerations(stoke.LongModelSha256);
        using var http = stoke.Http(drainOnDispose: false);
        using var cts = new CancellationTokenSource();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = ChatCompletionTests.Json(new JsonObject
            {
                ["model"] = OpenAIStoke.LongModel, ["prompt"] = "Once upon a time", ["max_tokens"] = maxTokens, ["stream"] = true, ["ignore_eos"] = true,
            }),
        };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        using (var reader = new StreamReader(stream))
        {
            var line = await reader.ReadLineAsync(cts.Token);
            Assert.StartsWith("data: ", line, StringComparison.Ordinal);
        }

        Assert.Contains(stoke.Node.Snapshot().Instances, i => i.Generation?.ContextWindow == OpenAIStoke.LongContext);
        await cts.CancelAsync();
        response.Dispose();

        var freed = await WaitAsync(() => stoke.Node.Snapshot().Instances
            .Where(i => i.Generation is not null)
            .All(i => i.Generation!.ActiveSequences == 0 && i.Generation.KvCacheUsedCells == 0));
        Assert.True(freed, "the disconnected stream's sequence still holds its slot or KV cells");
        // The engine ended it as cancelled, short of its budget (a cold start adds its one-token warm-up).
        Assert.Single(generations.Reasons, r => r == "cancelled");
        Assert.True(generations.CompletionTokens.Max() < maxTokens, $"the engine generated all {maxTokens} tokens: the stream ended by itself");
        // It is metered as a failure that still used compute (the time its sequence decoded), not as a free request.
        var abandoned = await AbandonedRecordAsync();
        Assert.NotNull(abandoned);
        Assert.True(abandoned["computeMs"]!.GetValue<double>() > 0, abandoned.ToJsonString());
        Assert.True(abandoned["memoryMbSeconds"]!.GetValue<double>() > 0, abandoned.ToJsonString());
    }

    // The gateway writes the record when the handler ends after the disconnect: poll for it like the sequence above.
    private async Task<JsonNode?> AbandonedRecordAsync()
    {
        using var http = stoke.Http();
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        while (true)
        {
            var records = JsonNode.Parse(await http.GetStringAsync($"/api/usage/records?function={OpenAIStoke.LongModel}"))!.AsArray();
            var abandoned = records.FirstOrDefault(r => !r!["succeeded"]!.GetValue<bool>());
            if (abandoned is not null || time.GetElapsedTime(started) > FreedWithin)
            {
                return abandoned;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time);
        }
    }

    // llama.cpp decodes in real time on its own thread, so no fake clock can drive it: a real-time poll, bounded well
    // below the time the generation would take by itself. A cancelled sequence leaves before the next decode step.
    private static readonly TimeSpan FreedWithin = TimeSpan.FromSeconds(2);

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        while (!condition())
        {
            if (time.GetElapsedTime(started) > FreedWithin)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), time);
        }

        return true;
    }

    private async Task<(long Input, long Output, decimal Cost)> UsageAsync()
    {
        using var http = stoke.Http();
        var usage = JsonNode.Parse(await http.GetStringAsync($"/api/usage?function={OpenAIStoke.Model}"))!["total"]!;
        return (usage["inputTokens"]!.GetValue<long>(), usage["outputTokens"]!.GetValue<long>(), usage["cost"]!.GetValue<decimal>());
    }
}
