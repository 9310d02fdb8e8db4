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

    public bool IsFinal => FinishReason is not null;
}

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
