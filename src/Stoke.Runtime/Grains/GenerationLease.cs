namespace Stoke.Runtime.Grains;

/// <summary>
/// A ready language-model instance handed to one generation by its function's router. The gateway streams from the
/// instance's node directly and gives the lease back with <see cref="IFunctionGrain.Complete"/>, so the function
/// counts the generation as in flight (for the autoscaler) for as long as it streams.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GenerationLease(
    [property: Id(0)] Guid LeaseId,
    [property: Id(1)] string InstanceId,
    [property: Id(2)] string NodeId,
    [property: Id(3)] double ColdStartMs,
    [property: Id(4)] string? ColdStartTier,
    [property: Id(5)] double HeldMs);

/// <summary>What a finished (or failed, or abandoned) generation used, reported when its lease is given back.</summary>
[GenerateSerializer, Immutable]
public sealed record GenerationReport
{
    [Id(0)] public int PromptTokens { get; init; }
    [Id(1)] public int CompletionTokens { get; init; }
    /// <summary>Time inside the engine waiting for a sequence slot and KV cells.</summary>
    [Id(2)] public double EngineQueueMs { get; init; }
    /// <summary>Time from admission to the last token.</summary>
    [Id(3)] public double ComputeMs { get; init; }
    [Id(4)] public bool Succeeded { get; init; } = true;
    /// <summary>The instance was gone when the generation started: forget it and let the caller retry.</summary>
    [Id(5)] public bool InstanceGone { get; init; }
    /// <summary>Sequences sharing the instance while this one ran; its memory cost is divided among them.</summary>
    [Id(6)] public int ConcurrentSequences { get; init; } = 1;
}
