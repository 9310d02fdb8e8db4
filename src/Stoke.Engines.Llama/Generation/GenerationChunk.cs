namespace Stoke.Engines.Llama;

/// <summary>
/// A piece of streamed output. Every chunk but the last carries text; the last one carries
/// <see cref="FinishReason"/>, <see cref="Usage"/> and <see cref="Timings"/> (and may carry text held back by stop matching).
/// </summary>
public sealed record GenerationChunk
{
    /// <summary>New text since the previous chunk: whole UTF-8 characters only, never part of a stop string.</summary>
    public string Text { get; init; } = "";

    /// <summary>Non-null on the last chunk only: <see cref="FinishReasons"/>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Prompt and completion tokens; set on the last chunk.</summary>
    public GenerationUsage Usage { get; init; }

    /// <summary>Queue time, time to first token and per-token timing; set on the last chunk.</summary>
    public GenerationTimings Timings { get; init; }

    /// <summary>Log-probabilities of the tokens this chunk's text came from (when asked for); a chunk may cover several tokens.</summary>
    public IReadOnlyList<Abstractions.Generation.TokenLogprob>? Logprobs { get; init; }

    public bool IsFinal => FinishReason is not null;
}
