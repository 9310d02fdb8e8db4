namespace Stoke.Abstractions.Tensors;

/// <summary>One inference call as the platform carries it from the gateway to an instance.</summary>
[GenerateSerializer, Immutable]
public sealed record InferenceRequest(
    [property: Id(0)] string? Id,
    [property: Id(1)] Tensor[] Inputs,
    [property: Id(2)] string[]? RequestedOutputs)
{
    /// <summary>
    /// A pipeline step fused into this call: run on its outputs on the node of the instance that served it, so that
    /// only the step's (smaller) outputs come back (docs/pipelines.md, "Fusion"). Null for a plain call.
    /// </summary>
    [Id(3)]
    public FusedStepRef? Then { get; init; }
}

/// <summary>Names a pipeline version's step, which the instance's node reads from the registry and runs.</summary>
[GenerateSerializer, Immutable]
public sealed record FusedStepRef(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Pipeline,
    [property: Id(2)] int Version,
    [property: Id(3)] string Step);

/// <summary>The outputs of one inference call, already split out of its batch.</summary>
[GenerateSerializer, Immutable]
public sealed record InferenceResult(
    [property: Id(0)] Tensor[] Outputs);
