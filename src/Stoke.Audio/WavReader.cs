using System.Buffers.Binary;

namespace Stoke.Audio;

/// <summary>Mono audio as floats in [-1, 1] and its sample rate.</summary>
public sealed record AudioClip(float[] Samples, int SampleRate)
{
    public TimeSpan Duration => TimeSpan.FromSeconds(Samples.Length / (double)SampleRate);
}

/// <summary>
/// Decodes a RIFF/WAVE file: PCM 8, 16, 24 or 32-bit integers and 32 or 64-bit IEEE floats (also inside
/// WAVE_FORMAT_EXTENSIBLE), any number of channels, averaged to mono. A file it cannot read is an
/// <see cref="InvalidDataException"/> naming what is wrong.
/// </summary>
public static class WavReader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    public static AudioClip Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("Not a WAV file: it does not start with a RIFF/WAVE header.");
        }

        Format? format = null;
        var offset = 12;
        while (offset + 8 <= file.Length)
        {
            var id = file.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(offset + 4, 4));
            var body = offset + 8;
            // A streamed writer may leave the data size at 0 or 0xFFFFFFFF: the data then runs to the end of the file.
            var length = size > (uint)(file.Length - body) || (size == 0 && id.SequenceEqual("data"u8)) ? file.Length - body : (int)size;
            if (id.SequenceEqual("fmt "u8))
            {
                format = ReadFormat(file.Slice(body, length));
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is not { } f)
                {
                    throw new InvalidDataException("WAV file has its data chunk before its fmt chunk.");
                }

                return new AudioClip(Decode(file.Slice(body, length), f), f.SampleRate);
            }

            // Chunks are padded to an even size.
            offset = body + length + (length & 1);
        }

        throw new InvalidDataException(format is null ? "WAV file has no fmt chunk." : "WAV file has no data chunk.");
    }

    private static Format ReadFormat(ReadOnlySpan<byte> fmt)
    {
        if (fmt.Length < 16)
        {
            throw new InvalidDataException($"WAV fmt chunk is {fmt.Length} bytes; at least 16 are needed.");
        }

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = BinaryPrimitives.ReadInt32LittleEndian(fmt[4..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == FormatExtensible && fmt.Length >= 26)
        {
            // The sub-format GUID starts with the plain format tag.
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        if (channels == 0 || rate <= 0)
        {
            throw new InvalidDataException($"WAV file has {channels} channels at {rate} Hz.");
        }

        var supported = (tag == FormatPcm && bits is 8 or 16 or 24 or 32) || (tag == FormatFloat && bits is 32 or 64);
        if (!supported)
        {
            throw new InvalidDataException($"WAV format {tag} with {bits}-bit samples is not supported (PCM 8/16/24/32-bit or float 32/64-bit).");
        }

        return new Format(tag, channels, rate, bits);
    }

    private static float[] Decode(ReadOnlySpan<byte> data, Format f)
    {
        var bytesPerSample = f.Bits / 8;
        var frameBytes = bytesPerSample * f.Channels;
        var frames = data.Length / frameBytes;
        var samples = new float[frames];
        for (var i = 0; i < frames; i++)
        {
            var frame = data.Slice(i * frameBytes, frameBytes);
            double sum = 0;
            for (var c = 0; c < f.Channels; c++)
            {
                sum += Sample(frame.Slice(c * bytesPerSample, bytesPerSample), f);
            }

            samples[i] = (float)(sum / f.Channels);
        }

        return samples;
    }

    private static double Sample(ReadOnlySpan<byte> s, Format f) => (f.Tag, f.Bits) switch
    {
        (FormatPcm, 8) => (s[0] - 128) / 128.0,
        (FormatPcm, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768.0,
        (FormatPcm, 24) => ((s[0] | (s[1] << 8) | ((sbyte)s[2] << 16))) / 8388608.0,
        (FormatPcm, 32) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0,
        (FormatFloat, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
        _ => BinaryPrimitives.ReadDoubleLittleEndian(s),
    };

    private readonly record struct Format(ushort Tag, int Channels, int SampleRate, int Bits);
}
