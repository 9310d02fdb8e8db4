using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Graph;

/// <summary>ONNX element types (TensorProto.DataType numbers): their names and sizes.</summary>
internal static class ElementTypes
{
    /// <summary>Bits per element of an ONNX data type; 0 for strings and unknown types.</summary>
    public static int Bits(int dataType) => dataType switch
    {
        1 or 6 or 12 => 32,                   // float, int32, uint32
        2 or 3 or 9 or 17 or 18 or 19 or 20 => 8, // uint8, int8, bool, float8 variants
        4 or 5 or 10 or 16 => 16,             // uint16, int16, float16, bfloat16
        7 or 11 or 13 or 14 => 64,            // int64, double, uint64, complex64
        15 => 128,                            // complex128
        21 or 22 or 23 => 4,                  // uint4, int4, float4e2m1
        _ => 0,
    };

    /// <summary>The type's name in the ONNX spec, lower case ("float", "int64"); "unknown" for 0 or a number it does not know.</summary>
    public static string Name(int dataType) => dataType switch
    {
        1 => "float", 2 => "uint8", 3 => "int8", 4 => "uint16", 5 => "int16", 6 => "int32", 7 => "int64", 8 => "string",
        9 => "bool", 10 => "float16", 11 => "double", 12 => "uint32", 13 => "uint64", 14 => "complex64", 15 => "complex128",
        16 => "bfloat16", 17 => "float8e4m3fn", 18 => "float8e4m3fnuz", 19 => "float8e5m2", 20 => "float8e5m2fnuz",
        21 => "uint4", 22 => "int4", 23 => "float4e2m1",
        _ => "unknown",
    };

    /// <summary>Bytes <paramref name="elements"/> values of <paramref name="dataType"/> take.</summary>
    public static long Bytes(int dataType, long elements) => (elements * Bits(dataType) + 7) / 8;

    /// <summary>Bytes a stored tensor holds (its raw data, or its typed fields, or its declared shape when external).</summary>
    public static long Bytes(TensorProto tensor)
    {
        if (tensor.HasRawData)
        {
            return tensor.RawData.Length;
        }

        if (tensor.DataType == 8)
        {
            return tensor.StringData.Sum(s => (long)s.Length);
        }

        var elements = tensor.Dims.Aggregate(1L, (product, d) => product * Math.Max(d, 0));
        return Bytes(tensor.DataType, elements);
    }
}
