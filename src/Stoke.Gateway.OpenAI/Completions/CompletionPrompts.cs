using System.Text.Json.Nodes;
using Stoke.Gateway.OpenAI.Protocol;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary><c>prompt</c> of <c>/v1/completions</c>: a string or a list of strings, each answered by its own choices.</summary>
internal static class CompletionPrompts
{
    /// <summary>Most choices (prompts x n) one request may ask for: they all run as concurrent sequences.</summary>
    public const int MaxChoices = 32;

    public static List<string> Parse(JsonObject body, int n)
    {
        if (body["prompt"] is JsonArray items && items.Any(i => i is JsonArray || i?.GetValueKind() == System.Text.Json.JsonValueKind.Number))
        {
            throw OpenAIError.BadRequest("'prompt' as token ids is not supported: send the text.", "prompt");
        }

        var prompts = JsonRead.Strings(body, "prompt") ?? throw OpenAIError.BadRequest("Missing required parameter: 'prompt'.", "prompt");
        if (prompts.Count == 0 || prompts.Count * n > MaxChoices)
        {
            throw OpenAIError.BadRequest($"'prompt' must hold 1 or more prompts, and prompts x n at most {MaxChoices}.", "prompt");
        }

        return prompts;
    }
}
