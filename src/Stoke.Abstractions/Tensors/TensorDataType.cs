namespace Stoke.Abstractions.Tensors;

/// <summary>Element types of the Open Inference Protocol; the wire names are in <see cref="TensorDataTypes"/>.</summary>
public enum TensorDataType : byte
{
    Bool,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    FP16,
    FP32,
    FP64,
    /// <summary>Variable-length byte strings; in raw form each element is a 4-byte little-endian length then its bytes.</summary>
    Bytes,
}

/// <summary>Wire names and element sizes of <see cref="TensorDataType"/>.</summary>
public static class TensorDataTypes
{
    private static readonly string[] Names =
        ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES"];

    private static readonly int[] Sizes = [1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 0];

    /// <summary>The protocol's name for the type, e.g. <c>FP32</c>.</summary>
    public static string ToWireName(this TensorDataType type) => Names[(int)type];

    /// <summary>Size of one element in bytes; 0 for <see cref="TensorDataType.Bytes"/>, whose elements vary.</summary>
    public static int ElementSize(this TensorDataType type) => Sizes[(int)type];

    public static bool TryParse(string? name, out TensorDataType type)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                type = (TensorDataType)i;
                return true;
            }
        }

        type = default;
        return false;
    }
}
