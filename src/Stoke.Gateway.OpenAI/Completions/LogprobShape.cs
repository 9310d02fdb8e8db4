using System.Text.Json.Nodes;
using Stoke.Abstractions.Generation;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>Token log-probabilities in OpenAI's two wire shapes: chat's <c>logprobs.content</c> and the legacy completion's columns.</summary>
internal static class LogprobShape
{
    /// <summary><c>{"content": [{token, logprob, bytes, top_logprobs}], "refusal": null}</c>, or null when none were asked for.</summary>
    public static JsonObject? Chat(IReadOnlyList<TokenLogprob>? logprobs) => logprobs is null ? null : new JsonObject
    {
        ["content"] = new JsonArray(logprobs.Select(l =>
        {
            var entry = Entry(l);
            entry["top_logprobs"] = new JsonArray((l.Alternatives ?? []).Select(a => (JsonNode)Entry(a)).ToArray());
            return (JsonNode)entry;
        }).ToArray()),
        ["refusal"] = null,
    };

    /// <summary>
    /// <c>{tokens, token_logprobs, top_logprobs, text_offset}</c> of <c>/v1/completions</c>; <paramref name="offset"/> is
    /// the first token's character offset in the choice's text (after an echoed prompt).
    /// </summary>
    public static JsonObject? Legacy(IReadOnlyList<TokenLogprob>? logprobs, int offset)
    {
        if (logprobs is null)
        {
            return null;
        }

        var offsets = new JsonArray();
        foreach (var l in logprobs)
        {
            offsets.Add(offset);
            offset += l.Token.Length;
        }

        return new JsonObject
        {
            ["tokens"] = new JsonArray(logprobs.Select(l => (JsonNode)l.Token).ToArray()),
            ["token_logprobs"] = new JsonArray(logprobs.Select(l => (JsonNode)l.Logprob).ToArray()),
            ["top_logprobs"] = new JsonArray(logprobs.Select(l =>
            {
                var top = new JsonObject();
                foreach (var a in l.Alternatives ?? [])
                {
                    // Two tokens may share a text (a byte token and a piece); the likelier one, listed first, keeps the key.
                    if (!top.ContainsKey(a.Token))
                    {
                        top[a.Token] = a.Logprob;
                    }
                }

                return (JsonNode)top;
            }).ToArray()),
            ["text_offset"] = offsets,
        };
    }

    private static JsonObject Entry(TokenLogprob l) => new()
    {
        ["token"] = l.Token,
        ["logprob"] = l.Logprob,
        ["bytes"] = new JsonArray(l.Bytes.Select(b => (JsonNode)(int)b).ToArray()),
    };
}
