using System.Text.Json.Nodes;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Protocol;

namespace Stoke.Gateway.OpenAI.Responses;

/// <summary>
/// <c>instructions</c> and <c>input</c> of <c>POST /v1/responses</c> as a chat: input is a string (one user message) or a
/// list of messages whose content is a string or text parts (<c>input_text</c>; <c>output_text</c> and <c>refusal</c> from
/// the assistant). Other item and part types (images, files, function calls, reasoning) are refused naming them.
/// </summary>
internal static class ResponseInput
{
    private static readonly FieldRules MessageFields = new FieldRules().Supported("type", "role", "content", "id", "status");
    private static readonly FieldRules InputText = new FieldRules().Supported("type", "text");
    private static readonly FieldRules OutputText = new FieldRules().Supported("type", "text", "annotations", "logprobs");
    private static readonly FieldRules RefusalPart = new FieldRules().Supported("type", "refusal");

    public static ChatTurn[] Parse(JsonObject body)
    {
        var turns = new List<ChatTurn>();
        if (JsonRead.String(body, "instructions") is { } instructions)
        {
            turns.Add(new ChatTurn("system", instructions));
        }

        switch (body["input"])
        {
            case JsonValue v when v.TryGetValue<string>(out var text):
                turns.Add(new ChatTurn("user", text));
                break;
            case JsonArray { Count: > 0 } items:
                turns.AddRange(items.Select((item, i) => Message(item as JsonObject, $"input[{i}]")));
                break;
            default:
                throw OpenAIError.BadRequest("'input' must be a string or a non-empty array of messages.", "input");
        }

        return [.. turns];
    }

    private static ChatTurn Message(JsonObject? item, string at)
    {
        if (item is null)
        {
            throw OpenAIError.BadRequest($"{at} must be an object.", at);
        }

        if (JsonRead.String(item, "type") is { } type && type != "message")
        {
            throw OpenAIError.BadRequest($"'{at}.type' '{type}' is not supported: this server takes messages with text.", at + ".type");
        }

        MessageFields.Check(item, at + ".");
        var role = JsonRead.String(item, "role");
        if (role is not ("user" or "system" or "developer" or "assistant"))
        {
            throw OpenAIError.BadRequest($"'{at}.role' must be one of user, system, developer, assistant.", at + ".role");
        }

        var content = item["content"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonArray parts => string.Concat(parts.Select((p, j) => Part(p as JsonObject, $"{at}.content[{j}]", role == "assistant"))),
            _ => throw OpenAIError.BadRequest($"'{at}.content' must be a string or an array of text parts.", at + ".content"),
        };
        return new ChatTurn(role == "developer" ? "system" : role, content);
    }

    private static string Part(JsonObject? part, string at, bool assistant)
    {
        var type = part is null ? null : JsonRead.String(part, "type");
        var (rules, field) = (type, assistant) switch
        {
            ("input_text", _) => (InputText, "text"),
            ("output_text", true) => (OutputText, "text"),
            ("refusal", true) => (RefusalPart, "refusal"),
            _ => throw OpenAIError.BadRequest($"'{at}.type' '{type}' is not supported: this model reads text parts only.", at + ".type"),
        };
        rules.Check(part!, at + ".");
        return JsonRead.String(part!, field) ?? throw OpenAIError.BadRequest($"Missing required parameter: '{at}.{field}'.", $"{at}.{field}");
    }
}
