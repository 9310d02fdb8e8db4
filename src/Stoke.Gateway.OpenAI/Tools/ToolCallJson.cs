using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stoke.Gateway.OpenAI.Tools;

/// <summary>
/// The text form of a tool call in Stoke's fallback tool format, <c>{"name": ..., "arguments": {...}}</c>: what the
/// model is asked (and, when forced, constrained) to write, and how earlier calls are shown to it in a chat.
/// </summary>
internal static class ToolCallJson
{
    public static string Write(string name, string arguments)
    {
        JsonNode? args;
        try
        {
            args = JsonNode.Parse(arguments);
        }
        catch (JsonException)
        {
            args = JsonValue.Create(arguments);
        }

        return new JsonObject { ["name"] = name, ["arguments"] = args }.ToJsonString();
    }
}
