using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stoke.Client;

/// <summary>Reads a refusal's body in either of Stoke's shapes into a <see cref="StokeClientException"/>.</summary>
internal static class StokeErrors
{
    /// <summary>
    /// The management and inference APIs answer <c>{"error": "text"}</c>; the OpenAI API answers
    /// <c>{"error": {"message", "type", "param", "code"}}</c>. Anything else is kept as the message, verbatim.
    /// </summary>
    public static StokeClientException FromBody(HttpStatusCode status, string body)
    {
        JsonNode? error;
        try
        {
            error = JsonNode.Parse(body)?["error"];
        }
        catch (JsonException)
        {
            return new StokeClientException(status, body);
        }

        return error switch
        {
            JsonValue text when text.TryGetValue(out string? message) => new StokeClientException(status, message),
            JsonObject openAI => new StokeClientException(status, Text(openAI, "message") ?? body, Text(openAI, "type"), Text(openAI, "param"), Text(openAI, "code")),
            _ => new StokeClientException(status, body),
        };
    }

    private static string? Text(JsonObject error, string name) =>
        error[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;
}
