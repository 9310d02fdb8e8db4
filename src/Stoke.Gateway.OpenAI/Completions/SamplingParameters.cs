using System.Text.Json.Nodes;
using Stoke.Abstractions.Generation;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Structured;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>The generation settings shared by <c>/v1/completions</c> and <c>/v1/chat/completions</c>, validated.</summary>
internal sealed record SamplingParameters(
    string Model, int? MaxTokens, float Temperature, float TopP, uint? Seed, string[]? Stop, int N, bool Stream, bool IncludeUsage, bool IgnoreEos,
    string? EndUser, string? CacheKey)
{
    public const int MaxChoices = 8;

    /// <param name="maxTokensField">The name of the output-token limit (<c>max_output_tokens</c> in the Responses API).</param>
    public static SamplingParameters Parse(JsonObject body, bool chat, string maxTokensField = "max_tokens")
    {
        var model = JsonRead.RequiredString(body, "model");
        var maxTokens = (chat ? JsonRead.Integer(body, "max_completion_tokens") : null) ?? JsonRead.Integer(body, maxTokensField);
        if (maxTokens is < 1 or > int.MaxValue)
        {
            throw OpenAIError.BadRequest($"'{maxTokensField}' must be at least 1.", maxTokensField);
        }

        var temperature = JsonRead.Number(body, "temperature") ?? 1.0;
        if (temperature is < 0 or > 2)
        {
            throw OpenAIError.BadRequest("'temperature' must be between 0 and 2.", "temperature");
        }

        var topP = JsonRead.Number(body, "top_p") ?? 1.0;
        if (topP is <= 0 or > 1)
        {
            throw OpenAIError.BadRequest("'top_p' must be greater than 0 and at most 1.", "top_p");
        }

        var n = JsonRead.Integer(body, "n") ?? 1;
        if (n is < 1 or > MaxChoices)
        {
            throw OpenAIError.BadRequest($"'n' must be between 1 and {MaxChoices}.", "n");
        }

        var stop = JsonRead.Strings(body, "stop");
        if (stop is { Count: > 4 })
        {
            throw OpenAIError.BadRequest("'stop' takes at most 4 sequences.", "stop");
        }

        var seed = JsonRead.Integer(body, "seed");
        var stream = JsonRead.Bool(body, "stream") ?? false;
        var includeUsage = false;
        if (body["stream_options"] is JsonObject streamOptions)
        {
            CompletionFields.StreamOptions.Check(streamOptions, "stream_options.");
            includeUsage = JsonRead.Bool(streamOptions, "include_usage") ?? false;
        }
        else if (body["stream_options"] is not null)
        {
            throw OpenAIError.BadRequest("'stream_options' must be an object.", "stream_options");
        }

        var parsed = new SamplingParameters(
            model, (int?)maxTokens, (float)temperature, (float)topP, seed is { } s ? unchecked((uint)s) : null,
            stop?.Where(x => x.Length > 0).ToArray(), (int)n, stream, includeUsage, JsonRead.Bool(body, "ignore_eos") ?? false,
            JsonRead.String(body, "safety_identifier") ?? JsonRead.String(body, "user"), chat ? JsonRead.String(body, "prompt_cache_key") : null)
        {
            TopLogprobs = chat ? ChatLogprobs(body) : CompletionLogprobs(body),
            FrequencyPenalty = Penalty(body, "frequency_penalty"),
            PresencePenalty = Penalty(body, "presence_penalty"),
            LogitBias = ParseLogitBias(body),
        };
        return chat && ResponseFormat.Grammar(body) is { } grammar ? parsed.Constrained(grammar) : parsed;
    }

    /// <summary>These settings with output constrained to <paramref name="grammar"/> (a response format, a forced tool call).</summary>
    public SamplingParameters Constrained(string grammar) => IgnoreEos
        ? throw OpenAIError.BadRequest("'ignore_eos' cannot be combined with constrained output: a complete grammar allows only the end of the text.", "ignore_eos")
        : this with { Grammar = grammar };

    /// <summary>Null: no log-probabilities; otherwise the alternatives per token to report.</summary>
    public int? TopLogprobs { get; init; }

    public float FrequencyPenalty { get; init; }

    public float PresencePenalty { get; init; }

    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>The GBNF grammar the output must match (<c>response_format</c>, forced tool calls), if any.</summary>
    public string? Grammar { get; init; }

    private static int? ChatLogprobs(JsonObject body)
    {
        var top = JsonRead.Integer(body, "top_logprobs");
        if (JsonRead.Bool(body, "logprobs") != true)
        {
            return top is null ? null : throw OpenAIError.BadRequest("'top_logprobs' needs 'logprobs': true.", "top_logprobs");
        }

        return top is null or (>= 0 and <= 20) ? (int)(top ?? 0) : throw OpenAIError.BadRequest("'top_logprobs' must be between 0 and 20.", "top_logprobs");
    }

    // The legacy API's logprobs is the number of alternatives per token (0 to 5), or null for none.
    private static int? CompletionLogprobs(JsonObject body) => JsonRead.Integer(body, "logprobs") switch
    {
        null => null,
        >= 0 and <= 5 and var n => (int)n,
        _ => throw OpenAIError.BadRequest("'logprobs' must be between 0 and 5.", "logprobs"),
    };

    private static float Penalty(JsonObject body, string name) => JsonRead.Number(body, name) switch
    {
        null => 0,
        >= -2 and <= 2 and var p => (float)p,
        _ => throw OpenAIError.BadRequest($"'{name}' must be between -2 and 2.", name),
    };

    // Token ids (as JSON object keys) to biases from -100 (ban) to 100 (force).
    private static Dictionary<int, float>? ParseLogitBias(JsonObject body)
    {
        if (body["logit_bias"] is null)
        {
            return null;
        }

        if (body["logit_bias"] is not JsonObject map)
        {
            throw OpenAIError.BadRequest("'logit_bias' must be an object of token ids to biases.", "logit_bias");
        }

        var biases = new Dictionary<int, float>();
        foreach (var (key, value) in map)
        {
            var bias = value is JsonValue v && v.TryGetValue<double>(out var d) ? d : double.NaN;
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var token) || bias is not (>= -100 and <= 100))
            {
                throw OpenAIError.BadRequest($"'logit_bias' entry '{key}' must map a token id to a bias between -100 and 100.", "logit_bias");
            }

            biases[token] = (float)bias;
        }

        return biases.Count > 0 ? biases : null;
    }

    /// <summary>The request for choice <paramref name="index"/>: choice i samples with seed + i, so the choices differ yet repeat.</summary>
    public TextGenerationRequest ForChoice(string prompt, int index, string requestId) => new()
    {
        Prompt = prompt,
        MaxTokens = MaxTokens,
        Temperature = Temperature,
        TopP = TopP,
        Seed = Seed is { } s ? unchecked(s + (uint)index) : null,
        Stop = Stop,
        IgnoreEndOfGeneration = IgnoreEos,
        RequestId = requestId + "/" + index,
        TopLogprobs = TopLogprobs,
        FrequencyPenalty = FrequencyPenalty,
        PresencePenalty = PresencePenalty,
        LogitBias = LogitBias,
        Grammar = Grammar,
    };
}
