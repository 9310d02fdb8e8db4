using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Gateway.OpenAI.Completions;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Structured;
using Stoke.Runtime.Invocation;

namespace Stoke.Gateway.OpenAI.Responses;

/// <summary>
/// <c>POST /v1/responses</c> for text in and text out: the input is rendered as a chat and generated like one, answered
/// in the Responses API's shape (one <c>message</c> output item with an <c>output_text</c> part), or streamed as its
/// semantic events. Nothing is stored, so <c>store: true</c>, <c>previous_response_id</c> and <c>conversation</c> are refused.
/// </summary>
internal static class ResponseEndpoints
{
    private const string NotStored = "Stoke does not store responses.";

    private static readonly FieldRules Fields = new FieldRules()
        .Supported("model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "stream", "text",
            "user", "safety_identifier", "prompt_cache_key", "parallel_tool_calls", "stream_options")
        .OnlyWhen("store", v => FieldRules.IsBool(v, false), NotStored)
        .OnlyWhen("background", v => FieldRules.IsBool(v, false), "responses run in the foreground.")
        .OnlyWhen("service_tier", v => FieldRules.IsString(v, "auto", "default"), "Stoke serves one tier.")
        .OnlyWhen("truncation", v => FieldRules.IsString(v, "disabled"), "an input over the context window is a 400, never cut.")
        .OnlyWhen("include", v => v is JsonArray { Count: 0 }, "no extra output data is produced.")
        .OnlyWhen("tools", v => v is JsonArray { Count: 0 }, "tools are served on /v1/chat/completions.")
        .OnlyWhen("tool_choice", v => FieldRules.IsString(v, "none", "auto"), "tools are served on /v1/chat/completions.")
        .Refused("metadata", NotStored)
        .Refused("previous_response_id", NotStored)
        .Refused("conversation", NotStored)
        .Refused("prompt", "prompt templates are not stored here.")
        .Refused("reasoning", "Stoke's models are not reasoning models.")
        .Refused("max_tool_calls", "tools are served on /v1/chat/completions.")
        .Refused("top_logprobs", "log-probabilities are served on /v1/chat/completions.");

    private static readonly FieldRules TextFields = new FieldRules().Supported("format");
    private static readonly FieldRules SchemaFormat = new FieldRules().Supported("type", "name", "description", "schema", "strict");
    private static readonly FieldRules PlainFormat = new FieldRules().Supported("type");

    public static async Task CreateAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var body = JsonRead.Object(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted));
        Fields.Check(body);
        if (body["stream_options"] is JsonObject streamOptions)
        {
            CompletionFields.StreamOptions.Check(streamOptions, "stream_options.");
        }

        var parameters = SamplingParameters.Parse(body, chat: true, maxTokensField: "max_output_tokens");
        var (format, grammar) = TextFormat(body);
        parameters = grammar is null ? parameters : parameters.Constrained(grammar);
        var turns = ResponseInput.Parse(body);
        var id = "resp_" + Guid.NewGuid().ToString("N");
        var (spec, prepared, options) = await GenerationStart.PrepareAsync(context, parameters, id);
        await using var runs = prepared;
        var created = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        var shape = new ResponseObject(id, "msg_" + Guid.NewGuid().ToString("N"), created, spec.Name, body, format);
        try
        {
            await runs.StartAsync(services.GetRequiredService<IFunctionInvoker>(), spec,
                [(parameters.ForChoice("", 0, id) with { Messages = turns }, true)], options, context.RequestAborted);
            if (parameters.Stream)
            {
                await StreamAsync(context, shape, runs);
            }
            else
            {
                await runs.ReadAllAsync();
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(shape.Completed(runs).ToJsonString(), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: disposing the runs cancels the sequence.
        }
    }

    // The Responses API's semantic events, in its order, each with its sequence_number.
    private static async Task StreamAsync(HttpContext context, ResponseObject shape, ChoiceRuns runs)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        var sequence = 0;
        async Task SendAsync(string type, JsonObject data)
        {
            data["type"] = type;
            data["sequence_number"] = sequence++;
            await context.Response.WriteAsync($"event: {type}\ndata: {data.ToJsonString()}\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
        }

        await SendAsync("response.created", new JsonObject { ["response"] = shape.InProgress() });
        await SendAsync("response.in_progress", new JsonObject { ["response"] = shape.InProgress() });
        await SendAsync("response.output_item.added", new JsonObject { ["output_index"] = 0, ["item"] = shape.Message("", "in_progress") });
        await SendAsync("response.content_part.added", shape.PartEvent(ResponseObject.TextPart("")));
        await foreach (var (_, chunk) in runs.MergeAsync(ct))
        {
            if (chunk.Text.Length > 0)
            {
                var delta = shape.PartEvent(null);
                delta["delta"] = chunk.Text;
                delta["logprobs"] = new JsonArray();
                await SendAsync("response.output_text.delta", delta);
            }
        }

        var text = runs.Runs[0].Text.ToString();
        var done = shape.PartEvent(null);
        done["text"] = text;
        done["logprobs"] = new JsonArray();
        await SendAsync("response.output_text.done", done);
        await SendAsync("response.content_part.done", shape.PartEvent(ResponseObject.TextPart(text)));
        var completed = shape.Completed(runs);
        await SendAsync("response.output_item.done", new JsonObject { ["output_index"] = 0, ["item"] = completed["output"]![0]!.DeepClone() });
        await SendAsync(completed["status"]!.GetValue<string>() == "completed" ? "response.completed" : "response.incomplete", new JsonObject { ["response"] = completed });
    }

    // text.format: text, json_object, or json_schema with its fields flat beside the type.
    private static (JsonObject Format, string? Grammar) TextFormat(JsonObject body)
    {
        var text = body["text"] as JsonObject ?? (body["text"] is null ? [] : throw OpenAIError.BadRequest("'text' must be an object.", "text"));
        TextFields.Check(text, "text.");
        var format = text["format"] as JsonObject ?? new JsonObject { ["type"] = "text" };
        var type = JsonRead.String(format, "type");
        if (type is "text" or "json_object" or null)
        {
            PlainFormat.Check(format, "text.format.");
        }

        return type switch
        {
            "text" or null => (format, null),
            "json_object" => (format, JsonGrammar.AnyObject),
            "json_schema" => (format, ResponseFormat.FromSchemaSpec(format, "text.format", SchemaFormat)),
            var other => throw OpenAIError.BadRequest($"'text.format.type' '{other}' is not one of text, json_object, json_schema.", "text.format.type"),
        };
    }
}
