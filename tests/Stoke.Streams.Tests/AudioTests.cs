using System.Buffers.Binary;
using Stoke.Audio;
using Stoke.Samples;

namespace Stoke.Streams.Tests;

public sealed class AudioTests
{
    [Fact]
    public void ReadsTheSpeechSampleAsMono22kHz()
    {
        Assert.True(SharedModels.TryFind(out var dir), "../shared/models is missing");
        var clip = WavReader.Read(File.ReadAllBytes(Path.Combine(dir, "samples", "speech.wav")));

        Assert.Equal(22050, clip.SampleRate);
        Assert.InRange(clip.Duration.TotalSeconds, 4.2, 4.3);
        Assert.InRange(clip.Samples.Max(MathF.Abs), 0.1f, 1f);
    }

    [Fact]
    public void ReadsFloatAndStereoPcmTheSame()
    {
        float[] left = [0.5f, -0.25f, 0f];
        var pcm = Wav(1, 16, 2, left.SelectMany(v => new[] { v, v }).SelectMany(v => Int16((short)(v * 32768))).ToArray());
        var floats = Wav(3, 32, 1, left.SelectMany(Float).ToArray());

        Assert.Equal(left, WavReader.Read(pcm).Samples);
        Assert.Equal(left, WavReader.Read(floats).Samples);
    }

    [Fact]
    public void RefusesAFileThatIsNotWav() =>
        Assert.Contains("RIFF", Assert.Throws<InvalidDataException>(() => WavReader.Read("not a wav file"u8)).Message, StringComparison.Ordinal);

    // A 1 kHz tone survives 22.05 -> 16 kHz at its amplitude and frequency.
    [Fact]
    public void KeepsAToneBelowTheNewNyquist()
    {
        var output = new Resampler().Resample(Tone(1000, 22050, 22050), 22050, 16000);

        Assert.Equal(16000, output.Length);
        var inner = output[1000..^1000];
        Assert.InRange(Rms(inner), 0.70, 0.72);
        Assert.True(Correlation(inner, Tone(1000, 16000, 16000)[1000..^1000]) > 0.999);
    }

    // A 10 kHz tone is above 16 kHz's Nyquist (8 kHz): without the low-pass it would alias to 6 kHz at full strength.
    [Fact]
    public void RemovesAToneAboveTheNewNyquistInsteadOfAliasingIt()
    {
        var output = new Resampler().Resample(Tone(10_000, 22050, 22050), 22050, 16000);

        Assert.True(Rms(output[1000..^1000]) < 0.01, $"rms {Rms(output[1000..^1000])}");
    }

    private static float[] Tone(double hz, int rate, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (float)Math.Sin(2 * Math.PI * hz * i / rate))];

    private static double Rms(float[] x) => Math.Sqrt(x.Average(v => (double)v * v));

    private static double Correlation(float[] a, float[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }

        return ab / Math.Sqrt(aa * bb);
    }

    private static byte[] Int16(short v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteInt16LittleEndian(b, v);
        return b;
    }

    private static byte[] Float(float v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, v);
        return b;
    }

    private static byte[] Wav(ushort format, ushort bits, ushort channels, byte[] data)
    {
        using var s = new MemoryStream();
        using var w = new BinaryWriter(s);
        w.Write("RIFF"u8);
        w.Write(36 + data.Length);
        w.Write("WAVEfmt "u8);
        w.Write(16);
        w.Write(format);
        w.Write(channels);
        w.Write(16000);
        w.Write(16000 * channels * bits / 8);
        w.Write((ushort)(channels * bits / 8));
        w.Write(bits);
        w.Write("data"u8);
        w.Write(data.Length);
        w.Write(data);
        return s.ToArray();
    }
}
