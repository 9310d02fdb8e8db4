using Stoke.Abstractions.Generation;

namespace Stoke.Abstractions.Engines;

/// <summary>
/// A loaded language model that streams text. A session of a generative engine implements this beside
/// <see cref="IModelSession"/>; the node keeps it as the instance's executor instead of the tensor batcher.
/// </summary>
public interface IGenerativeSession : IAsyncDisposable
{
    /// <summary>
    /// Validates and queues a generation at once, then streams it. Throws <see cref="GenerationRejectedException"/>
    /// for a bad request or a full queue; cancelling or abandoning the enumeration frees the sequence.
    /// </summary>
    IAsyncEnumerable<TextChunk> GenerateAsync(TextGenerationRequest request, CancellationToken cancellationToken);

    /// <summary>Renders chat messages with the model's template (or the documented fallback).</summary>
    string RenderChat(IReadOnlyList<ChatTurn> messages);

    /// <summary>Tokens <paramref name="text"/> takes as a prompt.</summary>
    int CountTokens(string text);

    GenerationState State { get; }
}

/// <summary>A generation refused before it started: a bad request (400) or, with <see cref="RetryAfter"/>, an overload (429).</summary>
public sealed class GenerationRejectedException(string message, TimeSpan? retryAfter = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Set when the engine is full and the client should retry later; null for a bad request.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
