using System.Buffers.Binary;

namespace Stoke.Engines.Onnx.Tests.Support;

/// <summary>Reads a 16-bit PCM mono WAV file and resamples it to 16 kHz (linear interpolation is enough for a VAD).</summary>
internal static class Wav
{
    public static float[] ReadMono16k(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var rate = 0;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, offset, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (id == "fmt ")
            {
                Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(offset + 10)));
                rate = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 12));
            }
            else if (id == "data")
            {
                var pcm = MemoryMarshal.Cast<byte, short>(bytes.AsSpan(offset + 8, Math.Min(size, bytes.Length - offset - 8)));
                return Resample(pcm, rate, 16000);
            }

            offset += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path} has no data chunk.");
    }

    private static float[] Resample(ReadOnlySpan<short> pcm, int from, int to)
    {
        var output = new float[(int)((long)pcm.Length * to / from)];
        for (var i = 0; i < output.Length; i++)
        {
            var position = (double)i * from / to;
            var left = (int)position;
            var right = Math.Min(left + 1, pcm.Length - 1);
            var fraction = position - left;
            output[i] = (float)(((pcm[left] * (1 - fraction)) + (pcm[right] * fraction)) / 32768.0);
        }

        return output;
    }
}
