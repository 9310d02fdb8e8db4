using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Stoke.OpenAI.Tests.Support;
using Stoke.Runtime.Tracing;

namespace Stoke.OpenAI.Tests;

/// <summary>
/// A generation's trace below the gateway (gateway span -> <c>stoke.generate</c> -> <c>stoke.node.generate</c>, each
/// with the tokens it served) and its metrics tagged with tenant and function, on the real node and model.
/// </summary>
[Collection(OpenAICollection.Name)]
public sealed class ObservabilityTests : IDisposable
{
    private readonly OpenAIStoke _stoke;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public ObservabilityTests(OpenAIStoke stoke)
    {
        _stoke = stoke;
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("Stoke.", StringComparison.Ordinal) || s.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task ChatCompletionTraceHasTheGenerationBelowTheGatewayWithItsTokens()
    {
        var trace = ActivityTraceId.CreateRandom();
        using var http = _stoke.Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = ChatCompletionTests.Json(new JsonObject
            {
                ["model"] = OpenAIStoke.Model, ["max_tokens"] = 6, ["temperature"] = 0,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "A cat" }),
            }),
        };
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var usage = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["usage"]!;

        var spans = await WaitForAsync(trace, "POST /v1/chat/completions");
        var gateway = spans.Single(s => s.DisplayName == "POST /v1/chat/completions");
        Assert.Equal(OpenAIStoke.Model, gateway.GetTagItem("stoke.function"));
        Assert.Equal("acme", gateway.GetTagItem("stoke.tenant"));
        var generate = spans.Single(s => s.OperationName == RuntimeTracing.Generate);
        Assert.Equal(gateway.SpanId, generate.ParentSpanId);
        Assert.Equal(usage["completion_tokens"]!.GetValue<int>(), generate.GetTagItem(RuntimeTracing.OutputTokens));
        Assert.Equal(usage["prompt_tokens"]!.GetValue<int>(), generate.GetTagItem(RuntimeTracing.InputTokens));
        var node = spans.Single(s => s.OperationName == RuntimeTracing.NodeGenerate);
        Assert.True(Descends(spans, node, generate), "the node's span is below the invoker's");
        Assert.Equal(usage["completion_tokens"]!.GetValue<int>(), node.GetTagItem(RuntimeTracing.OutputTokens));
        Assert.NotNull(node.GetTagItem(RuntimeTracing.FinishReason));
    }

    [Fact]
    public async Task GenerationMetricsNameTenantAndFunction()
    {
        var chat = _stoke.OpenAI().GetChatClient(OpenAIStoke.Model);
        await chat.CompleteChatAsync([global::OpenAI.Chat.ChatMessage.CreateUserMessage("A dog")], new global::OpenAI.Chat.ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 });

        using var http = _stoke.Http(OpenAIStoke.OperatorKey);
        var scrape = await http.GetStringAsync("/metrics");
        var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith("stoke_llm_tokens_total{", StringComparison.Ordinal)
            && l.Contains("stoke_function=\"stories\"", StringComparison.Ordinal) && l.Contains("stoke_token_type=\"completion\"", StringComparison.Ordinal));
        Assert.True(line is not null, "no completion-token series for stories:\n" + string.Join('\n', scrape.Split('\n').Where(l => l.StartsWith("stoke_llm_tokens", StringComparison.Ordinal))));
        Assert.Contains("stoke_tenant=\"acme\"", line, StringComparison.Ordinal);
    }

    public void Dispose() => _listener.Dispose();

    // The gateway's span ends last, after the response body has been written.
    private async Task<Activity[]> WaitForAsync(ActivityTraceId trace, string root)
    {
        for (var i = 0; i < 100; i++)
        {
            var spans = _spans.Where(s => s.TraceId == trace).ToArray();
            if (spans.Any(s => s.DisplayName == root))
            {
                return spans;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"no '{root}' span in trace {trace}: " + string.Join(", ", _spans.Where(s => s.TraceId == trace).Select(s => s.DisplayName)));
    }

    private static bool Descends(Activity[] spans, Activity span, Activity ancestor)
    {
        for (var parent = span.ParentSpanId; parent != default;)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            var next = spans.FirstOrDefault(s => s.SpanId == parent);
            if (next is null)
            {
                return false;
            }

            parent = next.ParentSpanId;
        }

        return false;
    }
}
