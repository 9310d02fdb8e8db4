using System.Text.Json.Nodes;

namespace Stoke.Gateway.OpenAI.Protocol;

/// <summary>Typed reads of request fields with OpenAI-style errors naming the parameter.</summary>
internal static class JsonRead
{
    public static JsonObject Object(JsonNode? node)
    {
        return node as JsonObject ?? throw OpenAIError.BadRequest("The request body must be a JSON object.");
    }

    public static string RequiredString(JsonObject body, string name) =>
        String(body, name) ?? throw OpenAIError.BadRequest($"Missing required parameter: '{name}'.", name);

    public static string? String(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
        {
            return null;
        }

        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw OpenAIError.BadRequest($"'{name}' must be a string.", name);
    }

    public static double? Number(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
        {
            return null;
        }

        return node is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw OpenAIError.BadRequest($"'{name}' must be a number.", name);
    }

    public static long? Integer(JsonObject body, string name)
    {
        var d = Number(body, name);
        if (d is null)
        {
            return null;
        }

        return d.Value == Math.Floor(d.Value) && Math.Abs(d.Value) < 1e15 ? (long)d.Value : throw OpenAIError.BadRequest($"'{name}' must be an integer.", name);
    }

    public static bool? Bool(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
        {
            return null;
        }

        return node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw OpenAIError.BadRequest($"'{name}' must be a boolean.", name);
    }

    /// <summary>A string or an array of strings (<c>stop</c>, <c>prompt</c>, <c>input</c>).</summary>
    public static List<string>? Strings(JsonObject body, string name)
    {
        switch (body[name])
        {
            case null:
                return null;
            case JsonValue v when v.TryGetValue<string>(out var s):
                return [s];
            case JsonArray a:
                return a.Select(n => n is JsonValue e && e.TryGetValue<string>(out var item)
                    ? item
                    : throw OpenAIError.BadRequest($"'{name}' must be a string or an array of strings.", name)).ToList();
            default:
                throw OpenAIError.BadRequest($"'{name}' must be a string or an array of strings.", name);
        }
    }
}
