using System.Text.Json.Nodes;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Tools;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>The wire shapes of one chat or text completion: the envelope, a whole choice, and a streamed delta.</summary>
internal sealed record ResponseShape(string Id, long Created, string Model, bool Chat)
{
    public JsonObject Envelope(bool final) => new()
    {
        ["id"] = Id,
        ["object"] = Chat ? (final ? "chat.completion" : "chat.completion.chunk") : "text_completion",
        ["created"] = Created,
        ["model"] = Model,
        ["system_fingerprint"] = "stoke",
    };

    /// <summary>A whole choice; <paramref name="logprobOffset"/> is where the generated text starts in <paramref name="text"/> (after an echo).</summary>
    public JsonObject Choice(int index, string text, string finishReason, IReadOnlyList<TokenLogprob>? logprobs, int logprobOffset = 0) => Chat
        ? new JsonObject
        {
            ["index"] = index,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text, ["refusal"] = null },
            ["logprobs"] = LogprobShape.Chat(logprobs),
            ["finish_reason"] = finishReason,
        }
        : new JsonObject { ["index"] = index, ["text"] = text, ["logprobs"] = LogprobShape.Legacy(logprobs, logprobOffset), ["finish_reason"] = finishReason };

    /// <summary>One streamed piece of a choice, with the log-probabilities of the tokens it came from.</summary>
    public JsonObject Delta(int index, string? text, string? finishReason, bool role, IReadOnlyList<TokenLogprob>? logprobs = null, int logprobOffset = 0)
    {
        var envelope = Envelope(final: false);
        JsonObject choice;
        if (Chat)
        {
            var delta = new JsonObject();
            if (role)
            {
                delta["role"] = "assistant";
                delta["content"] = "";
            }
            else if (!string.IsNullOrEmpty(text))
            {
                delta["content"] = text;
            }

            choice = new JsonObject { ["index"] = index, ["delta"] = delta, ["logprobs"] = LogprobShape.Chat(logprobs), ["finish_reason"] = finishReason };
        }
        else
        {
            choice = new JsonObject { ["index"] = index, ["text"] = text ?? "", ["logprobs"] = LogprobShape.Legacy(logprobs, logprobOffset), ["finish_reason"] = finishReason };
        }

        envelope["choices"] = new JsonArray(choice);
        return envelope;
    }

    /// <summary>A chat choice that is a tool call (<c>content</c> null, <c>finish_reason</c> <c>tool_calls</c>).</summary>
    public JsonObject ToolCallChoice(int index, ToolCall call) => new()
    {
        ["index"] = index,
        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = null, ["refusal"] = null, ["tool_calls"] = ToolCalls(call, streamed: false) },
        ["logprobs"] = null,
        ["finish_reason"] = "tool_calls",
    };

    /// <summary>A streamed tool call, whole, with <c>finish_reason</c> <c>tool_calls</c>.</summary>
    public JsonObject ToolCallDelta(int index, ToolCall call)
    {
        var envelope = Envelope(final: false);
        envelope["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = index,
            ["delta"] = new JsonObject { ["tool_calls"] = ToolCalls(call, streamed: true) },
            ["logprobs"] = null,
            ["finish_reason"] = "tool_calls",
        });
        return envelope;
    }

    private static JsonArray ToolCalls(ToolCall call, bool streamed)
    {
        var entry = new JsonObject
        {
            ["id"] = call.Id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
        };
        if (streamed)
        {
            entry["index"] = 0; // a stream's tool-call deltas are keyed by their index in the message's tool_calls
        }

        return new JsonArray(entry);
    }
}
