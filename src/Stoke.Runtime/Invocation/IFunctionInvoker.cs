using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;

namespace Stoke.Runtime.Invocation;

/// <summary>
/// The one runtime facade every gateway calls (OIP v2 REST, the OpenAI API, and whatever comes next): it routes a
/// request by the warm path or through the function's controller, calls the instance's node, retries on another
/// instance when one is lost (inference is idempotent), meters the request, and cancels it down to the batcher or
/// the engine when the caller's token fires. Refusals are <see cref="Abstractions.Errors.StokeException"/>s.
/// </summary>
public interface IFunctionInvoker
{
    /// <summary>Runs a validated tensor request.</summary>
    Task<InferenceOutcome> InvokeAsync(FunctionSpec spec, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken);

    /// <summary>Embeds texts on an embedding function (tokenised and pooled on its instance, batched with other requests).</summary>
    Task<EmbeddingOutcome> EmbedAsync(FunctionSpec spec, string[] texts, InvocationOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a generation on a language-model function; its first chunk is read before this returns, so a refusal
    /// surfaces before a response starts. Disposing the generation meters it and, if it has not finished, cancels it.
    /// </summary>
    Task<IGeneration> GenerateAsync(FunctionSpec spec, TextGenerationRequest request, InvocationOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a stream on a stateful function: routed like a request (warm path, or the controller while it is cold),
    /// then held by the instance it reached until it is closed, expires or that instance is lost.
    /// </summary>
    Task<StreamOpened> OpenStreamAsync(FunctionSpec spec, InvocationOptions options, CancellationToken cancellationToken);

    /// <summary>Runs one chunk of an open stream on the instance holding it: 404 for an unknown stream, 410 for an ended or lost one.</summary>
    Task<InferenceOutcome> SendChunkAsync(FunctionSpec spec, string streamId, float[] chunk, InvocationOptions options, CancellationToken cancellationToken);

    /// <summary>Closes a stream and drops its state.</summary>
    Task<StreamClosed> CloseStreamAsync(FunctionSpec spec, string streamId, CancellationToken cancellationToken);
}

/// <summary>How a request is to be run.</summary>
/// <param name="Deadline">When it must be answered by.</param>
/// <param name="AffinityKey">The client's sticky key (<c>Stoke-Affinity-Key</c>), for the affinity routing policy.</param>
public sealed record InvocationOptions(DateTimeOffset Deadline, string? AffinityKey = null);

/// <summary>A served tensor request: its outputs and its usage record.</summary>
public sealed record InferenceOutcome(Tensor[] Outputs, UsageRecord Usage, string InstanceId)
{
    /// <summary>Instances tried, the one that answered included (more than one after a lost instance).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>A stream's chunk: its number in the stream (1 for the first); 0 for a stateless request.</summary>
    public long Sequence { get; init; }
}

/// <summary>Served embeddings: a vector per text, the tokens each cost, and the usage record.</summary>
public sealed record EmbeddingOutcome(float[][] Vectors, int[] TokenCounts, UsageRecord Usage);

/// <summary>A running generation (see <see cref="IFunctionInvoker.GenerateAsync"/>).</summary>
public interface IGeneration : IAsyncDisposable
{
    int PromptTokens { get; }

    int CompletionTokens { get; }

    /// <summary>The last chunk (finish reason, exact counts) once it has been read.</summary>
    TextChunk? Final { get; }

    /// <summary>Tier of the cold start this generation waited for, or null when it found a warm instance.</summary>
    string? ColdStartTier { get; }

    /// <summary>The chunks in order, the first one included; the last carries the finish reason and usage.</summary>
    IAsyncEnumerable<TextChunk> ReadAllAsync();

    /// <summary>The generation's usage record, once disposed.</summary>
    UsageRecord? Usage { get; }
}
