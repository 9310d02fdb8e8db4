namespace Stoke.Abstractions.Tensors;

/// <summary>One inference call as the platform carries it from the gateway to an instance.</summary>
[GenerateSerializer, Immutable]
public sealed record InferenceRequest(
    [property: Id(0)] string? Id,
    [property: Id(1)] Tensor[] Inputs,
    [property: Id(2)] string[]? RequestedOutputs);

/// <summary>The outputs of one inference call, already split out of its batch.</summary>
[GenerateSerializer, Immutable]
public sealed record InferenceResult(
    [property: Id(0)] Tensor[] Outputs);
