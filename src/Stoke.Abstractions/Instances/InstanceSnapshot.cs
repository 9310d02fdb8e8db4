namespace Stoke.Abstractions.Instances;

/// <summary>Lifecycle of an instance: loading -> ready -> draining -> gone.</summary>
public enum InstancePhase
{
    Loading,
    Ready,
    Draining,
    Gone,
}

/// <summary>One instance as the control plane and the status API see it.</summary>
[GenerateSerializer, Immutable]
public sealed record InstanceSnapshot(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string FunctionKey,
    [property: Id(2)] int Version,
    [property: Id(3)] string NodeId,
    [property: Id(4)] InstancePhase Phase,
    [property: Id(5)] int InFlight,
    [property: Id(6)] int QueueDepth,
    [property: Id(7)] long MemoryBytes,
    [property: Id(8)] DateTimeOffset LastUsed,
    [property: Id(9)] long Uses,
    [property: Id(10)] ColdStartReport? ColdStart)
{
    /// <summary>Sequences, queue and KV-cache use of a language-model instance; null for tensor models.</summary>
    [Id(11)] public Generation.GenerationState? Generation { get; init; }
}
