using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.Auth;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Quotas;
using Stoke.Gateway.Routing;
using Stoke.Runtime.Invocation;
using Stoke.Runtime.Quotas;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c>: one handler, two wire shapes. Each choice is a
/// generation started through the runtime's invoker (a chat is rendered with the model's template on its instance);
/// streaming answers are server-sent events ending in <c>data: [DONE]</c>.
/// </summary>
internal static class CompletionEndpoints
{
    public static async Task ChatAsync(HttpContext context) => await HandleAsync(context, chat: true);

    public static async Task CompletionAsync(HttpContext context) => await HandleAsync(context, chat: false);

    private static async Task HandleAsync(HttpContext context, bool chat)
    {
        var services = context.RequestServices;
        var body = JsonRead.Object(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted));
        (chat ? CompletionFields.Chat : CompletionFields.Completion).Check(body);
        var parameters = SamplingParameters.Parse(body, chat);
        ChatTurn[]? turns = chat ? ChatMessages.Parse(body) : null;
        var prompt = chat ? null : ParsePrompt(body);
        var spec = await services.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), parameters.Model, null);
        if (!string.Equals(spec.Engine, "llama", StringComparison.OrdinalIgnoreCase))
        {
            throw OpenAIError.BadRequest($"Model '{spec.Name}' runs on the {spec.Engine} engine and does not generate text; use /v1/embeddings or the inference API.", "model");
        }

        var quota = await services.GetRequiredService<QuotaGate>().AdmitAsync(context);
        var time = services.GetRequiredService<TimeProvider>();
        var id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N")[..24];
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var deadline = time.GetUtcNow() + spec.Scaling.DefaultDeadline;
        if (parameters.EndUser is { } endUser)
        {
            OpenAILog.EndUser(services.GetRequiredService<ILoggerFactory>().CreateLogger(OpenAILog.Category), id, spec.Name, endUser);
        }

        // prompt_cache_key is what OpenAI routes by to reuse a prompt cache: Stoke's sticky key does the same.
        var options = new InvocationOptions(deadline, parameters.CacheKey ?? context.Request.Headers[Stoke.Gateway.OpenInference.OipEndpoints.AffinityHeader].FirstOrDefault());
        var generations = new List<IGeneration>(parameters.N);
        var invoker = services.GetRequiredService<IFunctionInvoker>();
        var metrics = services.GetRequiredService<OpenAIMetrics>();
        try
        {
            for (var i = 0; i < parameters.N; i++)
            {
                var request = parameters.ForChoice(prompt ?? "", i, id) with { Messages = turns };
                generations.Add(await invoker.GenerateAsync(spec, request, options, context.RequestAborted));
            }

            if (generations[0].ColdStartTier is { } tier)
            {
                context.Response.Headers["Stoke-Cold-Start-Tier"] = tier;
            }

            var shape = new ResponseShape(id, created, spec.Name, chat);
            if (parameters.Stream)
            {
                await StreamAsync(context, shape, generations, parameters.IncludeUsage, quota, metrics, spec.Name);
            }
            else
            {
                await RespondAsync(context, shape, generations, quota, metrics, spec.Name);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: disposing the generations below cancels their sequences.
        }
        finally
        {
            foreach (var g in generations)
            {
                await FinishAsync(g, quota, metrics, spec.Name);
            }
        }
    }

    // Disposing ends the stream (an unfinished one is cancelled) and meters it; the key's quota is charged its tokens.
    private static async Task FinishAsync(IGeneration generation, IApiKeyQuotaGrain? quota, OpenAIMetrics metrics, string model)
    {
        if (generation.Usage is not null)
        {
            return;
        }

        await generation.DisposeAsync();
        if (quota is not null)
        {
            await quota.Charge(generation.PromptTokens + generation.CompletionTokens);
        }

        metrics.Finished(model, generation.PromptTokens, generation.CompletionTokens, generation.Final);
    }

    private static async Task RespondAsync(HttpContext context, ResponseShape shape, List<IGeneration> generations, IApiKeyQuotaGrain? quota, OpenAIMetrics metrics, string model)
    {
        var texts = await Task.WhenAll(generations.Select(async g =>
        {
            var text = new System.Text.StringBuilder();
            await foreach (var chunk in g.ReadAllAsync())
            {
                text.Append(chunk.Text);
            }

            return text.ToString();
        }));
        // Meter and charge before answering, so a client's next request sees them.
        foreach (var g in generations)
        {
            await FinishAsync(g, quota, metrics, model);
        }

        var choices = new JsonArray();
        for (var i = 0; i < generations.Count; i++)
        {
            choices.Add(shape.Choice(i, texts[i], FinishReason(generations[i].Final)));
        }

        var response = shape.Envelope(final: true);
        response["choices"] = choices;
        response["usage"] = Usage(generations);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }

    private static async Task StreamAsync(HttpContext context, ResponseShape shape, List<IGeneration> generations, bool includeUsage, IApiKeyQuotaGrain? quota, OpenAIMetrics metrics, string model)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        if (shape.Chat)
        {
            for (var i = 0; i < generations.Count; i++)
            {
                await WriteEventAsync(context, shape.Delta(i, null, null, role: true), ct);
            }
        }

        // Choices stream side by side; their chunks are interleaved in arrival order, each tagged with its index.
        var merged = Channel.CreateUnbounded<(int Index, TextChunk Chunk)>();
        var pumps = generations.Select((g, i) => Task.Run(async () =>
        {
            await foreach (var chunk in g.ReadAllAsync())
            {
                await merged.Writer.WriteAsync((i, chunk), ct);
            }
        }, ct)).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(t => merged.Writer.TryComplete(t.Exception), TaskScheduler.Default);

        try
        {
            await foreach (var (index, chunk) in merged.Reader.ReadAllAsync(ct))
            {
                if (chunk.Text.Length > 0 || chunk.IsFinal)
                {
                    await WriteEventAsync(context, shape.Delta(index, chunk.Text, chunk.IsFinal ? FinishReason(chunk) : null, role: false), ct);
                }
            }
        }
        finally
        {
            // No stream may still be read when the generations are disposed (that is what cancels their sequences).
            await Task.WhenAll(pumps).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        foreach (var g in generations)
        {
            await FinishAsync(g, quota, metrics, model);
        }

        if (includeUsage)
        {
            var usage = shape.Envelope(final: false);
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(generations);
            await WriteEventAsync(context, usage, ct);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private static async Task WriteEventAsync(HttpContext context, JsonObject data, CancellationToken ct)
    {
        await context.Response.WriteAsync("data: " + data.ToJsonString() + "\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private static JsonObject Usage(List<IGeneration> generations)
    {
        // The prompt is counted once, as OpenAI does for n > 1; completions add up.
        var prompt = generations.Count > 0 ? generations[0].PromptTokens : 0;
        var completion = generations.Sum(g => g.CompletionTokens);
        return new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
    }

    // "cancelled" (the engine shut down under the stream) is not an OpenAI finish reason: the text simply stopped.
    private static string FinishReason(TextChunk? final) => final?.FinishReason == "length" ? "length" : "stop";

    private static string ParsePrompt(JsonObject body)
    {
        var prompts = JsonRead.Strings(body, "prompt") ?? throw OpenAIError.BadRequest("Missing required parameter: 'prompt'.", "prompt");
        return prompts.Count == 1 ? prompts[0] : throw OpenAIError.BadRequest("Only one prompt per request is supported; use 'n' for several completions.", "prompt");
    }

    private sealed record ResponseShape(string Id, long Created, string Model, bool Chat)
    {
        public JsonObject Envelope(bool final) => new()
        {
            ["id"] = Id,
            ["object"] = Chat ? (final ? "chat.completion" : "chat.completion.chunk") : "text_completion",
            ["created"] = Created,
            ["model"] = Model,
            ["system_fingerprint"] = "stoke",
        };

        public JsonObject Choice(int index, string text, string finishReason) => Chat
            ? new JsonObject
            {
                ["index"] = index,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
                ["logprobs"] = null,
                ["finish_reason"] = finishReason,
            }
            : new JsonObject { ["index"] = index, ["text"] = text, ["logprobs"] = null, ["finish_reason"] = finishReason };

        public JsonObject Delta(int index, string? text, string? finishReason, bool role)
        {
            var envelope = Envelope(final: false);
            JsonObject choice;
            if (Chat)
            {
                var delta = new JsonObject();
                if (role)
                {
                    delta["role"] = "assistant";
                    delta["content"] = "";
                }
                else if (!string.IsNullOrEmpty(text))
                {
                    delta["content"] = text;
                }

                choice = new JsonObject { ["index"] = index, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason };
            }
            else
            {
                choice = new JsonObject { ["index"] = index, ["text"] = text ?? "", ["logprobs"] = null, ["finish_reason"] = finishReason };
            }

            envelope["choices"] = new JsonArray(choice);
            return envelope;
        }
    }
}
