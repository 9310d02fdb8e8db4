using System.Text.Json.Nodes;
using Stoke.Gateway.OpenAI.Protocol;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>
/// Every field of OpenAI's <c>/v1/chat/completions</c> and <c>/v1/completions</c> requests, with what Stoke does with
/// it (docs/openai.md has the same table for people).
/// </summary>
internal static class CompletionFields
{
    private static readonly string[] Common =
        ["model", "max_tokens", "temperature", "top_p", "seed", "stop", "n", "stream", "stream_options", "user", "ignore_eos"];

    public static readonly FieldRules Chat = Shared(new FieldRules())
        .Supported("messages", "max_completion_tokens", "safety_identifier", "prompt_cache_key", "parallel_tool_calls", "logprobs", "top_logprobs", "response_format", "tools", "tool_choice")
        .OnlyWhen("store", v => FieldRules.IsBool(v, false), "Stoke does not store completions.")
        .Refused("metadata", "metadata is kept only with stored completions, and Stoke does not store completions.")
        .OnlyWhen("modalities", v => v is JsonArray a && a.All(m => m is not null && FieldRules.IsString(m, "text")), "a text model outputs text only.")
        .Refused("audio", "a text model produces no audio.")
        .Refused("prediction", "predicted outputs are not used by this server.")
        .Refused("reasoning_effort", "Stoke's models are not reasoning models.")
        .Refused("verbosity", "Stoke's models are not reasoning models.")
        .Refused("web_search_options", "Stoke does not search the web.")
        .Refused("functions", "deprecated by OpenAI; use tools.")
        .Refused("function_call", "deprecated by OpenAI; use tool_choice.");

    public static readonly FieldRules Completion = Shared(new FieldRules())
        .Supported("prompt", "logprobs", "echo")
        .OnlyWhen("best_of", v => v is JsonValue j && j.TryGetValue<int>(out var n) && n == 1, "ranking samples on the server is not done; ask for n choices and their logprobs.")
        .Refused("suffix", "the model has no fill-in-the-middle mode.");

    public static readonly FieldRules StreamOptions = new FieldRules()
        .Supported("include_usage")
        .OnlyWhen("include_obfuscation", v => FieldRules.IsBool(v, false), "Stoke does not pad stream events.");

    private static FieldRules Shared(FieldRules rules) => rules
        .Supported(Common)
        .Supported("frequency_penalty", "presence_penalty", "logit_bias")
        .OnlyWhen("service_tier", v => FieldRules.IsString(v, "auto", "default"), "Stoke serves one tier.");
}
