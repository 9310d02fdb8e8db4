using Stoke.Abstractions.Tensors;

namespace Stoke.Abstractions.Instances;

/// <summary>The outputs of one request and what it cost on its instance.</summary>
[GenerateSerializer, Immutable]
public sealed record InstanceInvocation(
    [property: Id(0)] Tensor[] Outputs,
    [property: Id(1)] double QueueMs,
    [property: Id(2)] double ComputeMs,
    [property: Id(3)] int BatchSize,
    [property: Id(4)] string NodeId,
    [property: Id(5)] long InstanceMemoryBytes)
{
    /// <summary>A stream's chunk: its number in the stream (1 for the first); 0 for a stateless request.</summary>
    [Id(6)] public long Sequence { get; init; }

    /// <summary>The instance that ran it, when the caller does not know it already (a stream's chunk).</summary>
    [Id(7)] public string? InstanceId { get; init; }
}

/// <summary>The vectors of one embedding request (tokenised and pooled on its instance) and what it cost there.</summary>
[GenerateSerializer, Immutable]
public sealed record EmbeddingInvocation(
    [property: Id(0)] float[][] Vectors,
    [property: Id(1)] int[] TokenCounts,
    [property: Id(2)] InstanceInvocation Run);

/// <summary>A stream opened on an instance: its id (which names the holding node), where it lives, and its chunk length.</summary>
[GenerateSerializer, Immutable]
public sealed record StreamOpened(
    [property: Id(0)] string StreamId,
    [property: Id(1)] string InstanceId,
    [property: Id(2)] string NodeId,
    [property: Id(3)] int ChunkLength,
    [property: Id(4)] TimeSpan IdleTimeout);

/// <summary>A stream closed by its client, and how many chunks it ran.</summary>
[GenerateSerializer, Immutable]
public sealed record StreamClosed(
    [property: Id(0)] string StreamId,
    [property: Id(1)] long Chunks);
