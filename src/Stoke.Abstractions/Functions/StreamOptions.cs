using Stoke.Abstractions.Tensors;

namespace Stoke.Abstractions.Functions;

/// <summary>
/// Makes a function stateful: clients open streams on it, and the model's state tensors stay on the instance that
/// holds the stream between its chunks (as Triton's sequence batcher keeps implicit state). A step runs the chunks of
/// several streams as one batch, their states stacked on each state's batch axis.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StreamOptions
{
    /// <summary>The input a client's chunk goes into, as [batch, <see cref="ContextLength"/> + <see cref="ChunkLength"/>] FP32.</summary>
    [Id(0)] public required string ChunkInput { get; init; }

    /// <summary>New elements per chunk (Silero VAD: 512 samples at 16 kHz); a chunk of another length is refused.</summary>
    [Id(1)] public required int ChunkLength { get; init; }

    /// <summary>Trailing elements of the previous window put in front of each chunk (zeros before the first): Silero's 64 samples.</summary>
    [Id(2)] public int ContextLength { get; init; }

    /// <summary>The state pairs carried from one step to the next: an input, the output that replaces it, and their batch axis.</summary>
    [Id(3)] public StreamState[] States { get; init; } = [];

    /// <summary>Inputs with one fixed value for every stream (Silero's <c>sr</c> = 16000), given once per step, not batched.</summary>
    [Id(4)] public StreamConstant[] Constants { get; init; } = [];

    /// <summary>A stream with no chunk for this long is ended and its state dropped.</summary>
    [Id(5)] public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>One state tensor: fed as <see cref="Input"/>, replaced by <see cref="Output"/> after each step; streams stack on <see cref="BatchAxis"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record StreamState(
    [property: Id(0)] string Input,
    [property: Id(1)] string Output,
    [property: Id(2)] int BatchAxis);

/// <summary>A scalar input with the same value for every stream and step.</summary>
[GenerateSerializer, Immutable]
public sealed record StreamConstant(
    [property: Id(0)] string Input,
    [property: Id(1)] double Value);
