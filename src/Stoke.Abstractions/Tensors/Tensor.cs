namespace Stoke.Abstractions.Tensors;

/// <summary>
/// A named tensor in its raw form: row-major, little-endian elements (the layout of the protocol's binary
/// extension), so it crosses HTTP, Orleans and the engine without per-element conversion.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Tensor(
    [property: Id(0)] string Name,
    [property: Id(1)] TensorDataType DataType,
    [property: Id(2)] long[] Shape,
    [property: Id(3)] byte[] Data)
{
    /// <summary>Number of elements the shape describes (1 for a scalar).</summary>
    public long ElementCount => TensorShape.ElementCount(Shape);
}

/// <summary>Shape arithmetic shared by codecs, validators and batchers.</summary>
public static class TensorShape
{
    /// <summary>Marks a dimension whose size is chosen per request (ONNX's symbolic or -1 dimension).</summary>
    public const long Dynamic = -1;

    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count = checked(count * d);
        }

        return count;
    }

    public static string Format(ReadOnlySpan<long> shape) => "[" + string.Join(",", shape.ToArray()) + "]";
}
