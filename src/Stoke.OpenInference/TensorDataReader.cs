using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference;

/// <summary>
/// Turns a JSON <c>data</c> array (flat or nested, row-major) straight into a tensor's raw little-endian bytes,
/// element by element from the reader, with no boxing and no intermediate arrays.
/// </summary>
internal static class TensorDataReader
{
    /// <summary>Reads the array the reader is on; <paramref name="count"/> is the element count the shape needs.</summary>
    public static byte[] Read(ref Utf8JsonReader reader, string input, TensorDataType type, long count, int bodyLength)
    {
        JsonTokens.Expect(ref reader, JsonTokenType.StartArray, $"input '{input}': 'data'");

        // Every JSON element takes at least one byte, so a shape that needs more elements than the body has
        // bytes cannot match; refusing here keeps a hostile shape from allocating gigabytes.
        if (count > bodyLength)
        {
            throw CountMismatch(input, CountRest(ref reader, 0), count);
        }

        return type == TensorDataType.Bytes
            ? ReadBytes(ref reader, input, count)
            : ReadFixed(ref reader, input, type, count);
    }

    private static byte[] ReadFixed(ref Utf8JsonReader reader, string input, TensorDataType type, long count)
    {
        var sink = new FixedSink(input, type, count);
        return ReadElements(ref reader, input, count, ref sink);
    }

    private static byte[] ReadBytes(ref Utf8JsonReader reader, string input, long count)
    {
        var sink = new BytesSink(input);
        return ReadElements(ref reader, input, count, ref sink);
    }

    // Walks a flat or nested array and hands each element to the sink; the sink decides how it is stored. A struct
    // constrained generic keeps the per-element call direct (no boxing, no delegate).
    private static byte[] ReadElements<TSink>(ref Utf8JsonReader reader, string input, long count, ref TSink sink)
        where TSink : struct, IElementSink
    {
        long index = 0;
        var depth = 1;
        while (true)
        {
            JsonTokens.Next(ref reader);
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndArray:
                    if (--depth == 0)
                    {
                        if (index != count)
                        {
                            throw CountMismatch(input, index, count);
                        }

                        return sink.Finish();
                    }

                    break;
                default:
                    sink.Check(ref reader, index);
                    if (index == count)
                    {
                        throw CountMismatch(input, CountRest(ref reader, depth) + index + 1, count);
                    }

                    sink.Add(ref reader, index);
                    index++;
                    break;
            }
        }
    }

    private interface IElementSink
    {
        /// <summary>Rejects a token that can never be an element of this type (before the count is checked).</summary>
        void Check(ref Utf8JsonReader reader, long index);

        void Add(ref Utf8JsonReader reader, long index);

        byte[] Finish();
    }

    private struct FixedSink(string input, TensorDataType type, long count) : IElementSink
    {
        private readonly int _size = type.ElementSize();
        private readonly byte[] _data = new byte[checked((int)(count * type.ElementSize()))];

        public readonly void Check(ref Utf8JsonReader reader, long index)
        {
        }

        public readonly void Add(ref Utf8JsonReader reader, long index) =>
            WriteElement(ref reader, input, type, index, _data.AsSpan((int)(index * _size), _size));

        public readonly byte[] Finish() => _data;
    }

    private struct BytesSink(string input) : IElementSink
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(256);

        public readonly void Check(ref Utf8JsonReader reader, long index)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw ElementError(ref reader, input, index, "BYTES elements must be strings");
            }
        }

        public readonly void Add(ref Utf8JsonReader reader, long index)
        {
            // The unescaped text is never longer than the escaped one, so ValueSpan's length bounds it.
            var dest = _buffer.GetSpan(4 + reader.ValueSpan.Length);
            var written = reader.CopyString(dest[4..]);
            BinaryPrimitives.WriteInt32LittleEndian(dest, written);
            _buffer.Advance(4 + written);
        }

        public readonly byte[] Finish() => _buffer.WrittenSpan.ToArray();
    }

    private static void WriteElement(ref Utf8JsonReader reader, string input, TensorDataType type, long index, Span<byte> dest)
    {
        switch (type)
        {
            case TensorDataType.Bool:
                dest[0] = reader.TokenType switch
                {
                    JsonTokenType.True => 1,
                    JsonTokenType.False => 0,
                    _ => throw ElementError(ref reader, input, index, "BOOL elements must be true or false"),
                };
                break;
            case TensorDataType.UInt8:
                dest[0] = (byte)ReadUnsigned(ref reader, input, type, index, byte.MaxValue);
                break;
            case TensorDataType.UInt16:
                BinaryPrimitives.WriteUInt16LittleEndian(dest, (ushort)ReadUnsigned(ref reader, input, type, index, ushort.MaxValue));
                break;
            case TensorDataType.UInt32:
                BinaryPrimitives.WriteUInt32LittleEndian(dest, (uint)ReadUnsigned(ref reader, input, type, index, uint.MaxValue));
                break;
            case TensorDataType.UInt64:
                BinaryPrimitives.WriteUInt64LittleEndian(dest, ReadUnsigned(ref reader, input, type, index, ulong.MaxValue));
                break;
            case TensorDataType.Int8:
                dest[0] = (byte)(sbyte)ReadSigned(ref reader, input, type, index, sbyte.MinValue, sbyte.MaxValue);
                break;
            case TensorDataType.Int16:
                BinaryPrimitives.WriteInt16LittleEndian(dest, (short)ReadSigned(ref reader, input, type, index, short.MinValue, short.MaxValue));
                break;
            case TensorDataType.Int32:
                BinaryPrimitives.WriteInt32LittleEndian(dest, (int)ReadSigned(ref reader, input, type, index, int.MinValue, int.MaxValue));
                break;
            case TensorDataType.Int64:
                BinaryPrimitives.WriteInt64LittleEndian(dest, ReadSigned(ref reader, input, type, index, long.MinValue, long.MaxValue));
                break;
            case TensorDataType.FP16:
                {
                    var d = ReadFloat(ref reader, input, type, index);
                    var h = (Half)d;
                    if (Half.IsInfinity(h) && double.IsFinite(d))
                    {
                        throw OutOfRange(ref reader, input, type, index);
                    }

                    BinaryPrimitives.WriteHalfLittleEndian(dest, h);
                    break;
                }

            case TensorDataType.FP32:
                {
                    var d = ReadFloat(ref reader, input, type, index);
                    var f = (float)d;
                    if (float.IsInfinity(f) && double.IsFinite(d))
                    {
                        throw OutOfRange(ref reader, input, type, index);
                    }

                    BinaryPrimitives.WriteSingleLittleEndian(dest, f);
                    break;
                }

            case TensorDataType.FP64:
                BinaryPrimitives.WriteDoubleLittleEndian(dest, ReadFloat(ref reader, input, type, index));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a fixed-size type");
        }
    }

    private static long ReadSigned(ref Utf8JsonReader reader, string input, TensorDataType type, long index, long min, long max)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw ElementError(ref reader, input, index, $"{type.ToWireName()} elements must be integers");
        }

        if (!reader.TryGetInt64(out var v) || v < min || v > max)
        {
            throw IntegerError(ref reader, input, type, index, min.ToString(System.Globalization.CultureInfo.InvariantCulture), max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return v;
    }

    private static ulong ReadUnsigned(ref Utf8JsonReader reader, string input, TensorDataType type, long index, ulong max)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw ElementError(ref reader, input, index, $"{type.ToWireName()} elements must be integers");
        }

        if (!reader.TryGetUInt64(out var v) || v > max)
        {
            throw IntegerError(ref reader, input, type, index, "0", max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return v;
    }

    /// <summary>A JSON number, or the strings NaN / Infinity / -Infinity that JSON itself cannot spell.</summary>
    private static double ReadFloat(ref Utf8JsonReader reader, string input, TensorDataType type, long index)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            // Depending on the runtime, an overflowing literal fails or parses as infinity; both are out of range.
            if (!reader.TryGetDouble(out var d) || !double.IsFinite(d))
            {
                throw OutOfRange(ref reader, input, type, index);
            }

            return d;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("NaN"u8))
            {
                return double.NaN;
            }

            if (reader.ValueTextEquals("Infinity"u8))
            {
                return double.PositiveInfinity;
            }

            if (reader.ValueTextEquals("-Infinity"u8))
            {
                return double.NegativeInfinity;
            }
        }

        throw ElementError(ref reader, input, index, $"{type.ToWireName()} elements must be numbers (or \"NaN\", \"Infinity\", \"-Infinity\")");
    }

    /// <summary>Counts the scalar elements left in the array being read, for an accurate "got N" in the error.</summary>
    private static long CountRest(ref Utf8JsonReader reader, int depth)
    {
        long n = 0;
        if (depth == 0)
        {
            depth = 1; // called on the opening bracket
        }

        while (depth > 0)
        {
            JsonTokens.Next(ref reader);
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.StartObject:
                    reader.Skip();
                    n++;
                    break;
                default:
                    n++;
                    break;
            }
        }

        return n;
    }

    private static OipException CountMismatch(string input, long got, long expected) =>
        OipException.BadRequest($"input '{input}': 'data' has {got} elements but its shape needs {expected}");

    private static OipException ElementError(ref Utf8JsonReader reader, string input, long index, string rule) =>
        OipException.BadRequest($"input '{input}': data element {index} is {JsonTokens.Describe(ref reader)}; {rule}");

    private static OipException IntegerError(ref Utf8JsonReader reader, string input, TensorDataType type, long index, string min, string max) =>
        OipException.BadRequest(
            $"input '{input}': data element {index} is {Encoding.UTF8.GetString(reader.ValueSpan)}, not a {type.ToWireName()} (an integer in [{min}, {max}])");

    private static OipException OutOfRange(ref Utf8JsonReader reader, string input, TensorDataType type, long index) =>
        OipException.BadRequest(
            $"input '{input}': data element {index} is {Encoding.UTF8.GetString(reader.ValueSpan)}, out of range for {type.ToWireName()}");
}
