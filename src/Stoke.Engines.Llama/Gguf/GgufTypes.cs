namespace Stoke.Engines.Llama.Gguf;

/// <summary>Type tag of a GGUF metadata value, as stored in the file.</summary>
internal enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>The ggml tensor types this code can size (others are read, but not written).</summary>
internal enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
}

internal static class GgmlTypes
{
    /// <summary>Elements per Q8_0 block: one f16 scale followed by 32 signed bytes.</summary>
    public const int Q8_0BlockElements = 32;

    public const int Q8_0BlockBytes = 2 + Q8_0BlockElements;

    /// <summary>Bytes a tensor of <paramref name="dimensions"/> takes; rows of a block type must hold whole blocks.</summary>
    public static long ByteSize(GgmlType type, IReadOnlyList<long> dimensions)
    {
        var elements = dimensions.Aggregate(1L, (n, d) => checked(n * d));
        return type switch
        {
            GgmlType.F32 => elements * 4,
            GgmlType.F16 => elements * 2,
            GgmlType.Q8_0 when dimensions[0] % Q8_0BlockElements == 0 => elements / Q8_0BlockElements * Q8_0BlockBytes,
            GgmlType.Q8_0 => throw new ArgumentException($"Q8_0 rows need a multiple of {Q8_0BlockElements} elements, not {dimensions[0]}.", nameof(dimensions)),
            _ => throw new NotSupportedException($"ggml type {type} is not supported here."),
        };
    }
}
