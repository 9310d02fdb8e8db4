namespace Stoke.Engines.Llama;

/// <summary>One completion to generate: the prompt (already rendered for chat) and its sampling settings.</summary>
public sealed record GenerationRequest
{
    /// <summary>Most alternatives per token <see cref="TopLogprobs"/> may ask for (OpenAI's limit).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>The prompt text; special tokens written in it (e.g. a chat template's markers) are parsed as such.</summary>
    public required string Prompt { get; init; }

    /// <summary>Most tokens to generate; null means the engine's <see cref="LlamaEngineOptions.DefaultMaxTokens"/>, capped by the context window.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Sampling temperature; 0 or less samples greedily (deterministic, seed ignored).</summary>
    public float Temperature { get; init; } = 1.0f;

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability adds up to this (1: off).</summary>
    public float TopP { get; init; } = 1.0f;

    /// <summary>Seed of the sampler; the same seed, prompt and settings give the same text. Null picks a random one.</summary>
    public uint? Seed { get; init; }

    /// <summary>Strings that end the generation when produced; they are not part of the returned text.</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Keep generating past the end-of-generation token until <see cref="MaxTokens"/> (benchmarks with fixed output lengths).</summary>
    public bool IgnoreEndOfGeneration { get; init; }

    /// <summary>Null: no log-probabilities; 0 to <see cref="MaxTopLogprobs"/>: each token's log-probability and that many alternatives.</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>A GBNF grammar (root rule <c>root</c>) the output must match; once it is complete only end-of-generation may follow.</summary>
    public string? Grammar { get; init; }

    /// <summary>Subtracted from a token's logit per earlier occurrence in the output.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Subtracted from a token's logit once it occurs in the output.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Added to the logits of these token ids.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Caller's id for logs and metrics.</summary>
    public string? RequestId { get; init; }
}
