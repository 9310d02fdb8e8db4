using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Tools;
using Stoke.Runtime.Invocation;

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
        var exact = await ExactBody.ReadAsync(context);
        var body = exact.Json;
        (chat ? CompletionFields.Chat : CompletionFields.Completion).Check(body);
        var parameters = SamplingParameters.Parse(body, chat);
        ChatTurn[]? turns = chat ? ChatMessages.Parse(body) : null;
        var tools = chat ? ToolSet.Parse(body) : null;
        if (tools is not null)
        {
            turns = tools.Describe(turns!);
            parameters = tools.Grammar is { } forced ? parameters.Constrained(forced) : parameters;
        }

        var prompts = chat ? [""] : CompletionPrompts.Parse(body, parameters.N);
        var echo = !chat && (JsonRead.Bool(body, "echo") ?? false);
        if (echo && parameters.TopLogprobs is not null)
        {
            throw OpenAIError.BadRequest("'echo' with 'logprobs' is not supported: the prompt's token log-probabilities are not computed.", "echo");
        }

        var id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N")[..24];
        var created = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        var (spec, prepared, options) = await GenerationStart.PrepareAsync(context, parameters, id);
        await using var runs = prepared;
        // Choice p x n + i is prompt p's i-th sample, as OpenAI orders them.
        var requests = prompts.SelectMany((prompt, p) => Enumerable.Range(0, parameters.N)
            .Select(i => (parameters.ForChoice(prompt, i, id) with { Messages = turns, RequestId = $"{id}/{p * parameters.N + i}" }, i == 0))).ToList();
        try
        {
            await runs.StartAsync(services.GetRequiredService<IFunctionInvoker>(), spec, requests, options, context.RequestAborted);
            if (runs.Runs[0].Generation.ColdStartTier is { } tier)
            {
                context.Response.Headers["Stoke-Cold-Start-Tier"] = tier;
            }

            var shape = new ResponseShape(id, created, spec.Name, chat);
            var echoed = echo ? (Func<int, string>)(index => prompts[index / parameters.N]) : null;
            if (parameters.Stream)
            {
                await StreamAsync(context, shape, runs, parameters.IncludeUsage, echoed, tools);
            }
            else
            {
                await RespondAsync(context, exact, spec, shape, runs, echoed, tools);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: disposing the runs cancels their sequences.
        }
    }

    // Streams carry no receipt: the body is not known until the last event, after the headers went out (docs/receipts.md).
    private static async Task RespondAsync(HttpContext context, ExactBody request, FunctionSpec spec, ResponseShape shape, ChoiceRuns runs, Func<int, string>? echoed, ToolSet? tools)
    {
        await runs.ReadAllAsync();
        var choices = new JsonArray();
        foreach (var run in runs.Runs)
        {
            var prefix = echoed?.Invoke(run.Index) ?? "";
            choices.Add(tools?.Recognize(run.Text.ToString()) is { } call
                ? shape.ToolCallChoice(run.Index, call)
                : shape.Choice(run.Index, prefix + run.Text, FinishReason(run.Generation.Final), run.Logprobs, prefix.Length));
        }

        var response = shape.Envelope(final: true);
        response["choices"] = choices;
        response["usage"] = runs.Usage();
        // ReadAllAsync metered every choice: each generation has its usage record now.
        await request.RespondAsync(context, response, spec, [.. runs.Runs.Select(r => r.Generation.Usage!)]);
    }

    // With tools, each choice is sent in one piece when it ends: until then a tool call cannot be told from text.
    private static async Task StreamAsync(HttpContext context, ResponseShape shape, ChoiceRuns runs, bool includeUsage, Func<int, string>? echoed, ToolSet? tools)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        var offsets = new int[runs.Runs.Count];
        foreach (var run in runs.Runs)
        {
            if (shape.Chat)
            {
                await WriteEventAsync(context, shape.Delta(run.Index, null, null, role: true), ct);
            }
            else if (echoed?.Invoke(run.Index) is { } prompt)
            {
                await WriteEventAsync(context, shape.Delta(run.Index, prompt, null, role: false), ct);
                offsets[run.Index] = prompt.Length;
            }
        }

        await foreach (var (run, chunk) in runs.MergeAsync(ct))
        {
            if (tools is not null)
            {
                if (chunk.IsFinal)
                {
                    var text = run.Text.ToString();
                    await WriteEventAsync(context, tools.Recognize(text) is { } call
                        ? shape.ToolCallDelta(run.Index, call)
                        : shape.Delta(run.Index, text, FinishReason(chunk), role: false, run.Logprobs), ct);
                }
            }
            else if (chunk.Text.Length > 0 || chunk.IsFinal)
            {
                var delta = shape.Delta(run.Index, chunk.Text, chunk.IsFinal ? FinishReason(chunk) : null, role: false, chunk.Logprobs, offsets[run.Index]);
                offsets[run.Index] += chunk.Text.Length;
                await WriteEventAsync(context, delta, ct);
            }
        }

        if (includeUsage)
        {
            var usage = shape.Envelope(final: false);
            usage["choices"] = new JsonArray();
            usage["usage"] = runs.Usage();
            await WriteEventAsync(context, usage, ct);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    internal static async Task WriteEventAsync(HttpContext context, JsonObject data, CancellationToken ct)
    {
        await context.Response.WriteAsync("data: " + data.ToJsonString() + "\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    // "cancelled" (the engine shut down under the stream) is not an OpenAI finish reason: the text simply stopped.
    internal static string FinishReason(TextChunk? final) => final?.FinishReason == "length" ? "length" : "stop";
}
