using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Stoke.Receipts.Format;

/// <summary>Writes the canonical field encodings receipts and usage digests share (big-endian, length-prefixed UTF-8).</summary>
internal sealed class CanonicalWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void Byte(byte value) => _buffer.Write([value]);

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>A double as its IEEE 754 bits, so the bytes never depend on number formatting.</summary>
    public void Double(double value) => Int64(BitConverter.DoubleToInt64Bits(value));

    public void Hash(byte[] hash)
    {
        if (hash.Length != ReceiptEncoding.HashLength)
        {
            throw new ArgumentException($"A hash is {ReceiptEncoding.HashLength} bytes, not {hash.Length}.", nameof(hash));
        }

        Raw(hash);
    }

    public void String(string? value)
    {
        var bytes = Encoding.UTF8.GetBytes(value ?? "");
        if (bytes.Length > ReceiptEncoding.MaxStringBytes)
        {
            throw new ArgumentException($"A receipt string is at most {ReceiptEncoding.MaxStringBytes} UTF-8 bytes, not {bytes.Length}.", nameof(value));
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), (ushort)bytes.Length);
        _buffer.Advance(2);
        Raw(bytes);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
