namespace Stoke.Abstractions.Generation;

/// <summary>One text generation as the platform carries it from the gateway to a language-model instance.</summary>
[GenerateSerializer, Immutable]
public sealed record TextGenerationRequest
{
    /// <summary>The prompt, already rendered with the chat template for chat requests.</summary>
    [Id(0)] public required string Prompt { get; init; }

    /// <summary>Most tokens to generate; null lets the engine pick its default (capped by the context window).</summary>
    [Id(1)] public int? MaxTokens { get; init; }

    /// <summary>Sampling temperature; 0 samples greedily.</summary>
    [Id(2)] public float Temperature { get; init; } = 1.0f;

    /// <summary>Nucleus sampling mass in (0, 1].</summary>
    [Id(3)] public float TopP { get; init; } = 1.0f;

    /// <summary>Sampler seed: the same seed, prompt and settings give the same text.</summary>
    [Id(4)] public uint? Seed { get; init; }

    /// <summary>Strings that end the generation; they are not returned.</summary>
    [Id(5)] public string[]? Stop { get; init; }

    [Id(6)] public string? RequestId { get; init; }

    /// <summary>Generate until <see cref="MaxTokens"/> even past end-of-generation (benchmarks).</summary>
    [Id(7)] public bool IgnoreEndOfGeneration { get; init; }

    /// <summary>A chat to render with the model's own template on its instance; <see cref="Prompt"/> is ignored when set.</summary>
    [Id(8)] public ChatTurn[]? Messages { get; init; }

    /// <summary>Null: no log-probabilities; 0 to 20: each output token's log-probability and that many most likely alternatives.</summary>
    [Id(9)] public int? TopLogprobs { get; init; }

    /// <summary>A llama.cpp GBNF grammar (root rule <c>root</c>) that every output must match (constrained decoding).</summary>
    [Id(10)] public string? Grammar { get; init; }

    /// <summary>Lowers a token's logit by this times the times it was generated already (OpenAI's -2 to 2).</summary>
    [Id(11)] public float FrequencyPenalty { get; init; }

    /// <summary>Lowers a token's logit by this once it has been generated (OpenAI's -2 to 2).</summary>
    [Id(12)] public float PresencePenalty { get; init; }

    /// <summary>Added to the logits of these token ids before sampling (OpenAI's -100 to 100; -100 bans a token).</summary>
    [Id(13)] public IReadOnlyDictionary<int, float>? LogitBias { get; init; }
}

/// <summary>
/// A piece of streamed text. The last chunk of a stream has <see cref="FinishReason"/> set and carries the token
/// counts and timings that metering and the API's <c>usage</c> need.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TextChunk
{
    [Id(0)] public string Text { get; init; } = "";

    /// <summary><c>stop</c>, <c>length</c> or <c>cancelled</c> on the last chunk; null before it.</summary>
    [Id(1)] public string? FinishReason { get; init; }

    [Id(2)] public int PromptTokens { get; init; }

    [Id(3)] public int CompletionTokens { get; init; }

    /// <summary>Time the request waited inside the engine for a sequence slot and KV cells.</summary>
    [Id(4)] public double QueueMs { get; init; }

    [Id(5)] public double TimeToFirstTokenMs { get; init; }

    [Id(6)] public double TotalMs { get; init; }

    /// <summary>The log-probabilities of the tokens this chunk's text came from, when the request asked for them.</summary>
    [Id(7)] public TokenLogprob[]? Logprobs { get; init; }

    public bool IsFinal => FinishReason is not null;
}

/// <summary>
/// One sampled token's log-probability under the model (log-softmax of the raw logits, before temperature, penalties
/// or a grammar) and, for an output token, the most likely alternatives at its position, most likely first.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TokenLogprob(
    [property: Id(0)] string Token, [property: Id(1)] float Logprob, [property: Id(2)] byte[] Bytes, [property: Id(3)] TokenLogprob[]? Alternatives = null);

/// <summary>One chat message, for rendering a chat prompt with the model's template.</summary>
[GenerateSerializer, Immutable]
public sealed record ChatTurn([property: Id(0)] string Role, [property: Id(1)] string Content);

/// <summary>Live state of a generative instance: what admission and the KV-cache metrics look at.</summary>
[GenerateSerializer, Immutable]
public sealed record GenerationState
{
    [Id(0)] public int ActiveSequences { get; init; }
    [Id(1)] public int QueuedRequests { get; init; }
    [Id(2)] public int KvCacheUsedCells { get; init; }
    [Id(3)] public int KvCacheCapacity { get; init; }
    [Id(4)] public int ContextWindow { get; init; }
    [Id(5)] public int MaxSequences { get; init; }
}
