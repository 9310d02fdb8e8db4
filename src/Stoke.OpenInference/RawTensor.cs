using System.Buffers.Binary;

namespace Stoke.OpenInference;

/// <summary>Walks the raw BYTES layout (per element a 4-byte little-endian length, then the bytes).</summary>
internal static class RawTensor
{
    /// <summary>Number of BYTES elements in <paramref name="data"/>, or -1 when a length runs past the end.</summary>
    public static long CountBytesElements(ReadOnlySpan<byte> data)
    {
        long count = 0;
        var offset = 0;
        while (offset < data.Length)
        {
            if (data.Length - offset < 4)
            {
                return -1;
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            offset += 4;
            if (length > (uint)(data.Length - offset))
            {
                return -1;
            }

            offset += (int)length;
            count++;
        }

        return count;
    }
}
