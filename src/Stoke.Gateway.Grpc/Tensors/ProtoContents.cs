using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Inference;
using Stoke.Abstractions.Tensors;
using Stoke.OpenInference;

namespace Stoke.Gateway.Grpc.Tensors;

/// <summary>
/// Converts between the proto's typed <see cref="InferTensorContents"/> (one repeated field per family of types) and
/// the platform's raw little-endian tensor bytes.
/// </summary>
internal static class ProtoContents
{
    /// <summary>Packs the contents of an input of <paramref name="count"/> elements of <paramref name="type"/>.</summary>
    /// <exception cref="OipException">400: the values are in the wrong field, of the wrong number, or out of range.</exception>
    public static byte[] Pack(string input, TensorDataType type, long count, InferTensorContents contents)
    {
        var field = FieldOf(type) ?? throw OipException.BadRequest(
            $"input '{input}' is {type.ToWireName()}, which has no typed contents field: send it in raw_input_contents");
        var given = CountOf(contents, field);
        foreach (var other in Enum.GetValues<Field>())
        {
            if (other != field && CountOf(contents, other) > 0)
            {
                throw OipException.BadRequest(
                    $"input '{input}' is {type.ToWireName()}, whose values go in {Name(field)}, but the request has values in {Name(other)}");
            }
        }

        if (given != count)
        {
            throw OipException.BadRequest($"input '{input}' has {given} values in {Name(field)} but its shape needs {count}");
        }

        return type switch
        {
            TensorDataType.Bool => [.. contents.BoolContents.Select(b => b ? (byte)1 : (byte)0)],
            TensorDataType.Int8 => [.. contents.IntContents.Select((v, i) => unchecked((byte)(sbyte)InRange(input, type, i, v, sbyte.MinValue, sbyte.MaxValue)))],
            TensorDataType.Int16 => Bytes<short>([.. contents.IntContents.Select((v, i) => (short)InRange(input, type, i, v, short.MinValue, short.MaxValue))]),
            TensorDataType.Int32 => Bytes<int>([.. contents.IntContents]),
            TensorDataType.Int64 => Bytes<long>([.. contents.Int64Contents]),
            TensorDataType.UInt8 => [.. contents.UintContents.Select((v, i) => (byte)InRange(input, type, i, v, byte.MinValue, byte.MaxValue))],
            TensorDataType.UInt16 => Bytes<ushort>([.. contents.UintContents.Select((v, i) => (ushort)InRange(input, type, i, v, ushort.MinValue, ushort.MaxValue))]),
            TensorDataType.UInt32 => Bytes<uint>([.. contents.UintContents]),
            TensorDataType.UInt64 => Bytes<ulong>([.. contents.Uint64Contents]),
            TensorDataType.FP32 => Bytes<float>([.. contents.Fp32Contents]),
            TensorDataType.FP64 => Bytes<double>([.. contents.Fp64Contents]),
            _ => PackBytes(contents.BytesContents),
        };
    }

    /// <summary>The typed contents of an output; null for a type the proto has no field for (FP16), which must go raw.</summary>
    public static InferTensorContents? Unpack(Tensor tensor)
    {
        var data = tensor.Data.AsSpan();
        var contents = new InferTensorContents();
        switch (tensor.DataType)
        {
            case TensorDataType.Bool: foreach (var b in data) { contents.BoolContents.Add(b != 0); } break;
            case TensorDataType.Int8: foreach (var b in data) { contents.IntContents.Add((sbyte)b); } break;
            case TensorDataType.Int16: foreach (var v in MemoryMarshal.Cast<byte, short>(data)) { contents.IntContents.Add(v); } break;
            case TensorDataType.Int32: contents.IntContents.AddRange(MemoryMarshal.Cast<byte, int>(data).ToArray()); break;
            case TensorDataType.Int64: contents.Int64Contents.AddRange(MemoryMarshal.Cast<byte, long>(data).ToArray()); break;
            case TensorDataType.UInt8: foreach (var b in data) { contents.UintContents.Add(b); } break;
            case TensorDataType.UInt16: foreach (var v in MemoryMarshal.Cast<byte, ushort>(data)) { contents.UintContents.Add(v); } break;
            case TensorDataType.UInt32: contents.UintContents.AddRange(MemoryMarshal.Cast<byte, uint>(data).ToArray()); break;
            case TensorDataType.UInt64: contents.Uint64Contents.AddRange(MemoryMarshal.Cast<byte, ulong>(data).ToArray()); break;
            case TensorDataType.FP32: contents.Fp32Contents.AddRange(MemoryMarshal.Cast<byte, float>(data).ToArray()); break;
            case TensorDataType.FP64: contents.Fp64Contents.AddRange(MemoryMarshal.Cast<byte, double>(data).ToArray()); break;
            case TensorDataType.Bytes: UnpackBytes(data, contents.BytesContents); break;
            default: return null;
        }

        return contents;
    }

    /// <summary>False for a type the proto has no typed field for (FP16): its values travel raw only.</summary>
    public static bool HasTypedField(TensorDataType type) => FieldOf(type) is not null;

    private enum Field { Bool, Int, Int64, Uint, Uint64, Fp32, Fp64, Bytes }

    private static Field? FieldOf(TensorDataType type) => type switch
    {
        TensorDataType.Bool => Field.Bool,
        TensorDataType.Int8 or TensorDataType.Int16 or TensorDataType.Int32 => Field.Int,
        TensorDataType.Int64 => Field.Int64,
        TensorDataType.UInt8 or TensorDataType.UInt16 or TensorDataType.UInt32 => Field.Uint,
        TensorDataType.UInt64 => Field.Uint64,
        TensorDataType.FP32 => Field.Fp32,
        TensorDataType.FP64 => Field.Fp64,
        TensorDataType.Bytes => Field.Bytes,
        _ => null,
    };

    private static int CountOf(InferTensorContents c, Field field) => field switch
    {
        Field.Bool => c.BoolContents.Count,
        Field.Int => c.IntContents.Count,
        Field.Int64 => c.Int64Contents.Count,
        Field.Uint => c.UintContents.Count,
        Field.Uint64 => c.Uint64Contents.Count,
        Field.Fp32 => c.Fp32Contents.Count,
        Field.Fp64 => c.Fp64Contents.Count,
        _ => c.BytesContents.Count,
    };

    private static string Name(Field field) => field switch
    {
        Field.Bool => "bool_contents",
        Field.Int => "int_contents",
        Field.Int64 => "int64_contents",
        Field.Uint => "uint_contents",
        Field.Uint64 => "uint64_contents",
        Field.Fp32 => "fp32_contents",
        Field.Fp64 => "fp64_contents",
        _ => "bytes_contents",
    };

    private static long InRange(string input, TensorDataType type, int index, long value, long min, long max) =>
        value >= min && value <= max
            ? value
            : throw OipException.BadRequest($"input '{input}' value {value} at index {index} is out of range for {type.ToWireName()}");

    private static byte[] Bytes<T>(T[] values)
        where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    // The platform's BYTES layout: per element a 4-byte little-endian length, then the bytes.
    private static byte[] PackBytes(RepeatedField<ByteString> elements)
    {
        var data = new byte[elements.Sum(e => 4L + e.Length)];
        var offset = 0;
        foreach (var e in elements)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(offset), e.Length);
            e.Span.CopyTo(data.AsSpan(offset + 4));
            offset += 4 + e.Length;
        }

        return data;
    }

    private static void UnpackBytes(ReadOnlySpan<byte> data, RepeatedField<ByteString> into)
    {
        var offset = 0;
        while (offset + 4 <= data.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            into.Add(ByteString.CopyFrom(data.Slice(offset + 4, length)));
            offset += 4 + length;
        }
    }
}
