using System.Text.Json.Nodes;
using Stoke.Gateway.OpenAI.Completions;

namespace Stoke.Gateway.OpenAI.Responses;

/// <summary>The Responses API's <c>response</c> object for one generated message, and the pieces its stream events carry.</summary>
internal sealed record ResponseObject(string Id, string MessageId, long CreatedAt, string Model, JsonObject Request, JsonObject Format)
{
    public JsonObject InProgress() => Envelope("in_progress", [], null, null);

    /// <summary>The finished response: <c>completed</c>, or <c>incomplete</c> with reason <c>max_output_tokens</c>.</summary>
    public JsonObject Completed(ChoiceRuns runs)
    {
        var run = runs.Runs[0];
        var cut = run.Generation.Final?.FinishReason == "length";
        var (input, output) = runs.Tokens();
        var usage = new JsonObject
        {
            ["input_tokens"] = input,
            ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
            ["output_tokens"] = output,
            ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
            ["total_tokens"] = input + output,
        };
        return Envelope(
            cut ? "incomplete" : "completed",
            new JsonArray(Message(run.Text.ToString(), cut ? "incomplete" : "completed")),
            cut ? new JsonObject { ["reason"] = "max_output_tokens" } : null,
            usage);
    }

    public JsonObject Message(string text, string status) => new()
    {
        ["type"] = "message",
        ["id"] = MessageId,
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text.Length == 0 && status == "in_progress" ? new JsonArray() : new JsonArray(TextPart(text)),
    };

    public static JsonObject TextPart(string text) => new() { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() };

    /// <summary>The fields every content-part event has, with the part when it carries one.</summary>
    public JsonObject PartEvent(JsonObject? part)
    {
        var data = new JsonObject { ["item_id"] = MessageId, ["output_index"] = 0, ["content_index"] = 0 };
        if (part is not null)
        {
            data["part"] = part;
        }

        return data;
    }

    private JsonObject Envelope(string status, JsonArray output, JsonObject? incomplete, JsonObject? usage) => new()
    {
        ["id"] = Id,
        ["object"] = "response",
        ["created_at"] = CreatedAt,
        ["status"] = status,
        ["error"] = null,
        ["incomplete_details"] = incomplete,
        ["instructions"] = Request["instructions"]?.DeepClone(),
        ["max_output_tokens"] = Request["max_output_tokens"]?.DeepClone(),
        ["model"] = Model,
        ["output"] = output,
        ["parallel_tool_calls"] = true,
        ["previous_response_id"] = null,
        ["reasoning"] = new JsonObject { ["effort"] = null, ["summary"] = null },
        ["store"] = false,
        ["temperature"] = Request["temperature"]?.DeepClone() ?? 1.0,
        ["text"] = new JsonObject { ["format"] = Format.DeepClone() },
        ["tool_choice"] = "none",
        ["tools"] = new JsonArray(),
        ["top_p"] = Request["top_p"]?.DeepClone() ?? 1.0,
        ["truncation"] = "disabled",
        ["usage"] = usage,
        ["user"] = Request["user"]?.DeepClone(),
        ["metadata"] = new JsonObject(),
    };
}
