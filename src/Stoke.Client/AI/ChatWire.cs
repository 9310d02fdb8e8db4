using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Stoke.Client;

/// <summary>
/// Microsoft.Extensions.AI's chat types to and from the wire shapes of <c>/v1/chat/completions</c>. An option Stoke
/// cannot honour is refused here with <see cref="NotSupportedException"/> naming it, as the server refuses an unknown field.
/// </summary>
internal static class ChatWire
{
    public static JsonObject Request(IEnumerable<ChatMessage> messages, ChatOptions? options, string defaultModel, bool stream)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Refuse(options);
        var wire = new JsonArray();
        if (options?.Instructions is { } instructions)
        {
            wire.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        foreach (var message in messages)
        {
            wire.Add(new JsonObject { ["role"] = message.Role.Value, ["content"] = Text(message) });
        }

        var body = new JsonObject { ["model"] = options?.ModelId ?? defaultModel, ["messages"] = wire };
        if (options is not null)
        {
            Set(body, "max_tokens", options.MaxOutputTokens);
            Set(body, "temperature", options.Temperature);
            Set(body, "top_p", options.TopP);
            Set(body, "seed", options.Seed);
            Set(body, "frequency_penalty", options.FrequencyPenalty);
            Set(body, "presence_penalty", options.PresencePenalty);
            if (options.StopSequences is { Count: > 0 } stop)
            {
                body["stop"] = new JsonArray([.. stop.Select(s => (JsonNode?)s)]);
            }

            if (ResponseFormat(options.ResponseFormat) is { } format)
            {
                body["response_format"] = format;
            }

            foreach (var (name, value) in options.AdditionalProperties ?? [])
            {
                // Passed through as they are (ignore_eos, logit_bias, ...): the server refuses a field it does not know.
                body[name] = JsonSerializer.SerializeToNode(value);
            }
        }

        if (stream)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return body;
    }

    public static ChatResponse Response(JsonNode body)
    {
        var choice = body["choices"]?[0] ?? throw new InvalidDataException("The chat completion has no choices.");
        var message = new ChatMessage(ChatRole.Assistant, choice["message"]?["content"]?.GetValue<string>() ?? "");
        return new ChatResponse(message)
        {
            ResponseId = body["id"]?.GetValue<string>(),
            ModelId = body["model"]?.GetValue<string>(),
            CreatedAt = Created(body),
            FinishReason = FinishReason(choice["finish_reason"]),
            Usage = Usage(body["usage"]),
            RawRepresentation = body,
        };
    }

    /// <summary>One server-sent chunk: a role, a piece of text, a finish reason, or (last, with empty choices) the usage.</summary>
    public static ChatResponseUpdate Update(JsonNode chunk)
    {
        var choice = chunk["choices"]?.AsArray() is [{ } first, ..] ? first : null;
        var delta = choice?["delta"];
        var update = new ChatResponseUpdate
        {
            ResponseId = chunk["id"]?.GetValue<string>(),
            MessageId = chunk["id"]?.GetValue<string>(),
            ModelId = chunk["model"]?.GetValue<string>(),
            CreatedAt = Created(chunk),
            Role = delta?["role"]?.GetValue<string>() is { } role ? new ChatRole(role) : ChatRole.Assistant,
            FinishReason = FinishReason(choice?["finish_reason"]),
            RawRepresentation = chunk,
        };
        if (delta?["content"]?.GetValue<string>() is { Length: > 0 } text)
        {
            update.Contents.Add(new TextContent(text));
        }

        if (Usage(chunk["usage"]) is { } usage)
        {
            update.Contents.Add(new UsageContent(usage));
        }

        return update;
    }

    public static UsageDetails? Usage(JsonNode? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage["prompt_tokens"]?.GetValue<long>(),
        OutputTokenCount = usage["completion_tokens"]?.GetValue<long>(),
        TotalTokenCount = usage["total_tokens"]?.GetValue<long>(),
    };

    private static ChatFinishReason? FinishReason(JsonNode? reason) => reason?.GetValue<string>() switch
    {
        null => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        var other => new ChatFinishReason(other),
    };

    private static DateTimeOffset? Created(JsonNode body) =>
        body["created"]?.GetValue<long>() is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static JsonObject? ResponseFormat(ChatResponseFormat? format) => format switch
    {
        null or ChatResponseFormatText => null,
        ChatResponseFormatJson { Schema: null } => new JsonObject { ["type"] = "json_object" },
        ChatResponseFormatJson json => new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject
            {
                ["name"] = json.SchemaName ?? "response",
                ["description"] = json.SchemaDescription,
                ["schema"] = JsonNode.Parse(json.Schema.Value.GetRawText()),
                ["strict"] = true,
            },
        },
        _ => throw new NotSupportedException($"Stoke does not support the response format {format.GetType().Name}."),
    };

    /// <summary>Text is what Stoke's chat takes; images, files, tool calls and results are refused rather than dropped.</summary>
    private static string Text(ChatMessage message)
    {
        if (message.Contents.FirstOrDefault(c => c is not TextContent) is { } other)
        {
            throw new NotSupportedException($"Stoke's chat takes text only; a {message.Role} message holds {other.GetType().Name}.");
        }

        return message.Text;
    }

    private static void Refuse(ChatOptions? options)
    {
        string? refused = options switch
        {
            null => null,
            { Tools.Count: > 0 } => nameof(ChatOptions.Tools),
            { TopK: not null } => nameof(ChatOptions.TopK),
            { ConversationId: not null } => nameof(ChatOptions.ConversationId),
            _ => null,
        };
        if (refused is not null)
        {
            throw new NotSupportedException($"Stoke's chat client does not support ChatOptions.{refused}.");
        }
    }

    private static void Set<T>(JsonObject body, string name, T? value)
        where T : struct
    {
        if (value is { } v)
        {
            body[name] = JsonValue.Create(v);
        }
    }
}
