using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference;

/// <summary>Writes a raw tensor's elements as a flat JSON array, reading the little-endian bytes in place.</summary>
internal static class TensorDataWriter
{
    public static void Write(Utf8JsonWriter writer, Tensor tensor)
    {
        var data = tensor.Data.AsSpan();
        var size = tensor.DataType.ElementSize();
        if (size > 0 && data.Length % size != 0)
        {
            throw OipException.Internal(
                $"output '{tensor.Name}' has {data.Length} bytes, not a whole number of {tensor.DataType.ToWireName()} elements");
        }

        if (tensor.DataType is TensorDataType.FP32 or TensorDataType.FP16)
        {
            WriteFloats(writer, data, tensor.DataType == TensorDataType.FP16);
            return;
        }

        writer.WriteStartArray();
        switch (tensor.DataType)
        {
            case TensorDataType.Bool:
                foreach (var b in data)
                {
                    writer.WriteBooleanValue(b != 0);
                }

                break;
            case TensorDataType.UInt8:
                foreach (var b in data)
                {
                    writer.WriteNumberValue((uint)b);
                }

                break;
            case TensorDataType.Int8:
                foreach (var b in data)
                {
                    writer.WriteNumberValue((int)(sbyte)b);
                }

                break;
            case TensorDataType.UInt16:
                for (var i = 0; i < data.Length; i += 2)
                {
                    writer.WriteNumberValue((uint)BinaryPrimitives.ReadUInt16LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Int16:
                for (var i = 0; i < data.Length; i += 2)
                {
                    writer.WriteNumberValue((int)BinaryPrimitives.ReadInt16LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.UInt32:
                for (var i = 0; i < data.Length; i += 4)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Int32:
                for (var i = 0; i < data.Length; i += 4)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.UInt64:
                for (var i = 0; i < data.Length; i += 8)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Int64:
                for (var i = 0; i < data.Length; i += 8)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(data[i..]));
                }

                break;
            case TensorDataType.FP64:
                for (var i = 0; i < data.Length; i += 8)
                {
                    WriteDouble(writer, BinaryPrimitives.ReadDoubleLittleEndian(data[i..]));
                }

                break;
            case TensorDataType.Bytes:
                WriteBytes(writer, tensor.Name, data);
                break;
            default:
                throw OipException.Internal($"output '{tensor.Name}' has unsupported datatype {tensor.DataType}");
        }

        writer.WriteEndArray();
    }

    // The array's text is formatted here in one buffer and handed to the writer whole: ShortestSingle writes what
    // WriteNumberValue would, in less than half its time, and the writer's per-element work goes too.
    private static void WriteFloats(Utf8JsonWriter writer, ReadOnlySpan<byte> data, bool half)
    {
        var size = half ? 2 : 4;
        var count = data.Length / size;
        var buffer = ArrayPool<byte>.Shared.Rent(2 + (count * (ShortestSingle.MaxLength + 1)));
        try
        {
            var text = buffer.AsSpan();
            var n = 0;
            text[n++] = (byte)'[';
            for (var i = 0; i < data.Length; i += size)
            {
                if (i > 0)
                {
                    text[n++] = (byte)',';
                }

                // Every half is exactly a float, and the float's shortest form parses back to the same half.
                var value = half ? (float)BinaryPrimitives.ReadHalfLittleEndian(data[i..]) : BinaryPrimitives.ReadSingleLittleEndian(data[i..]);
                n += float.IsFinite(value) ? ShortestSingle.Write(value, text[n..]) : NonFinite(value, text[n..]);
            }

            text[n++] = (byte)']';
            writer.WriteRawValue(text[..n], skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The same strings WriteNonFinite writes, with their quotes: the array's text goes to the writer raw.
    private static int NonFinite(float value, Span<byte> destination)
    {
        var name = NonFiniteName(value);
        destination[0] = (byte)'"';
        name.CopyTo(destination[1..]);
        destination[name.Length + 1] = (byte)'"';
        return name.Length + 2;
    }

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            WriteNonFinite(writer, value);
        }
    }

    /// <summary>JSON has no NaN or infinities; they travel as the strings the reader also accepts.</summary>
    private static void WriteNonFinite(Utf8JsonWriter writer, double value) => writer.WriteStringValue(NonFiniteName(value));

    private static ReadOnlySpan<byte> NonFiniteName(double value) => double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8;

    private static void WriteBytes(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> data)
    {
        var offset = 0;
        while (offset < data.Length)
        {
            if (data.Length - offset < 4)
            {
                throw OipException.Internal($"output '{name}' has malformed BYTES data");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            offset += 4;
            if (length > (uint)(data.Length - offset))
            {
                throw OipException.Internal($"output '{name}' has malformed BYTES data");
            }

            var element = data.Slice(offset, (int)length);
            if (!System.Text.Unicode.Utf8.IsValid(element))
            {
                // A JSON string cannot carry arbitrary bytes; the client can ask for this output as binary data.
                throw OipException.BadRequest(
                    $"output '{name}' holds bytes that are not UTF-8 text; request it with \"binary_data\": true");
            }

            writer.WriteStringValue(element);
            offset += (int)length;
        }
    }
}
