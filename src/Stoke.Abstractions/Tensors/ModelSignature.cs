namespace Stoke.Abstractions.Tensors;

/// <summary>Name, type and shape of one model input or output; <see cref="TensorShape.Dynamic"/> marks a free dimension.</summary>
[GenerateSerializer, Immutable]
public sealed record TensorSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] TensorDataType DataType,
    [property: Id(2)] long[] Shape);

/// <summary>What a model takes and gives; requests are validated against it before they are queued.</summary>
[GenerateSerializer, Immutable]
public sealed record ModelSignature(
    [property: Id(0)] TensorSpec[] Inputs,
    [property: Id(1)] TensorSpec[] Outputs)
{
    /// <summary>
    /// True when every input and output has a free leading dimension, so requests can be merged along it.
    /// A model with a fixed batch of 1 (ResNet-18's export) is served one request at a time.
    /// </summary>
    public bool SupportsBatching =>
        Inputs.Length > 0
        && Array.TrueForAll(Inputs, i => i.Shape.Length > 0 && i.Shape[0] == TensorShape.Dynamic)
        && Array.TrueForAll(Outputs, o => o.Shape.Length > 0 && o.Shape[0] == TensorShape.Dynamic);
}
