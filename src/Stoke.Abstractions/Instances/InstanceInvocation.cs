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
    [property: Id(5)] long InstanceMemoryBytes);

/// <summary>The vectors of one embedding request (tokenised and pooled on its instance) and what it cost there.</summary>
[GenerateSerializer, Immutable]
public sealed record EmbeddingInvocation(
    [property: Id(0)] float[][] Vectors,
    [property: Id(1)] int[] TokenCounts,
    [property: Id(2)] InstanceInvocation Run);
