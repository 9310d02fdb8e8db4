using System.Text.Json.Nodes;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Tools;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>
/// Reads <c>messages</c> of a chat request strictly: each role's fields per OpenAI's reference, text content only,
/// and no message without content except an assistant turn that made tool calls.
/// </summary>
internal static class ChatMessages
{
    private const string NameRefusal = "message names are not rendered by the chat template; put the name in the content.";

    private static readonly FieldRules SystemFields = new FieldRules().Supported("role", "content").Refused("name", NameRefusal);
    private static readonly FieldRules UserFields = SystemFields;
    private static readonly FieldRules AssistantFields = new FieldRules()
        .Supported("role", "content", "tool_calls", "refusal")
        .Refused("name", NameRefusal)
        .Refused("audio", "audio output is not produced by a text model.")
        .Refused("function_call", "deprecated by OpenAI; use tool_calls.");
    private static readonly FieldRules ToolFields = new FieldRules().Supported("role", "content", "tool_call_id");
    private static readonly FieldRules TextPart = new FieldRules().Supported("type", "text");
    private static readonly FieldRules RefusalPart = new FieldRules().Supported("type", "refusal");
    private static readonly FieldRules ToolCallFields = new FieldRules().Supported("id", "type", "function");
    private static readonly FieldRules FunctionCallFields = new FieldRules().Supported("name", "arguments");

    public static ChatTurn[] Parse(JsonObject body)
    {
        if (body["messages"] is not JsonArray { Count: > 0 } messages)
        {
            throw OpenAIError.BadRequest("'messages' must be a non-empty array.", "messages");
        }

        return messages.Select((m, i) => Turn(m as JsonObject ?? throw OpenAIError.BadRequest($"messages[{i}] must be an object.", $"messages[{i}]"), i)).ToArray();
    }

    private static ChatTurn Turn(JsonObject message, int index)
    {
        var at = $"messages[{index}]";
        var role = JsonRead.String(message, "role") ?? throw OpenAIError.BadRequest($"{at}.role is required.", $"{at}.role");
        var rules = role switch
        {
            "system" or "developer" => SystemFields,
            "user" => UserFields,
            "assistant" => AssistantFields,
            "tool" => ToolFields,
            _ => throw OpenAIError.BadRequest($"{at}.role '{role}' is not one of system, developer, user, assistant, tool.", $"{at}.role"),
        };
        rules.Check(message, at + ".");

        var toolCalls = role == "assistant" ? ToolCallsText(message["tool_calls"], at) : null;
        var content = Content(message["content"], at, allowRefusal: role == "assistant");
        if (role == "assistant" && JsonRead.String(message, "refusal") is { Length: > 0 } refusal)
        {
            content = (content ?? "") + refusal;
        }

        if (content is null && toolCalls is null)
        {
            throw OpenAIError.BadRequest($"{at}.content must not be null" + (role == "assistant" ? " unless the message has tool_calls." : "."), $"{at}.content");
        }

        if (role == "tool" && JsonRead.String(message, "tool_call_id") is null)
        {
            throw OpenAIError.BadRequest($"Missing required parameter: '{at}.tool_call_id'.", $"{at}.tool_call_id");
        }

        // An assistant's earlier tool calls are shown to the model the way it is asked to write them (docs/openai.md).
        var text = toolCalls is null ? content! : string.IsNullOrEmpty(content) ? toolCalls : content + "\n" + toolCalls;
        return new ChatTurn(role == "developer" ? "system" : role, text);
    }

    // Content is a string or an array of parts; a text model understands text (and, from the assistant, refusal) parts.
    private static string? Content(JsonNode? content, string at, bool allowRefusal) => content switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Concat(parts.Select((p, j) => Part(p as JsonObject, $"{at}.content[{j}]", allowRefusal))),
        _ => throw OpenAIError.BadRequest($"{at}.content must be a string or an array of text parts.", $"{at}.content"),
    };

    private static string Part(JsonObject? part, string at, bool allowRefusal)
    {
        var type = part is null ? null : JsonRead.String(part, "type");
        switch (type)
        {
            case "text":
                TextPart.Check(part!, at + ".");
                return JsonRead.String(part!, "text") ?? throw OpenAIError.BadRequest($"Missing required parameter: '{at}.text'.", $"{at}.text");
            case "refusal" when allowRefusal:
                RefusalPart.Check(part!, at + ".");
                return JsonRead.String(part!, "refusal") ?? "";
            default:
                throw OpenAIError.BadRequest($"{at}.type '{type}' is not supported: this model reads text parts only.", $"{at}.type");
        }
    }

    private static string? ToolCallsText(JsonNode? node, string at)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray calls)
        {
            throw OpenAIError.BadRequest($"{at}.tool_calls must be an array.", $"{at}.tool_calls");
        }

        return string.Join("\n", calls.Select((c, j) =>
        {
            var call = c as JsonObject ?? throw OpenAIError.BadRequest($"{at}.tool_calls[{j}] must be an object.", $"{at}.tool_calls[{j}]");
            ToolCallFields.Check(call, $"{at}.tool_calls[{j}].");
            var function = call["function"] as JsonObject ?? throw OpenAIError.BadRequest($"Missing required parameter: '{at}.tool_calls[{j}].function'.", $"{at}.tool_calls[{j}].function");
            FunctionCallFields.Check(function, $"{at}.tool_calls[{j}].function.");
            var name = JsonRead.RequiredString(function, "name");
            var arguments = JsonRead.String(function, "arguments") ?? "{}";
            return ToolCallJson.Write(name, arguments);
        }));
    }
}
