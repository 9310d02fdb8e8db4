namespace Stoke.Audio;

/// <summary>
/// Band-limited resampling by windowed-sinc interpolation: each output sample is the input convolved with a sinc
/// low-pass whose cutoff is just below the lower of the two Nyquist frequencies (so downsampling does not alias),
/// tapered by a Blackman window over <see cref="ZeroCrossings"/> zero crossings on each side. The kernel is
/// evaluated exactly at each output instant (no phase table), which costs about 2 x crossings x (ratio) multiply-adds
/// per output sample: a few milliseconds per second of audio.
/// </summary>
public sealed class Resampler
{
    /// <summary>Zero crossings of the sinc on each side of the centre: longer is sharper and slower.</summary>
    public int ZeroCrossings { get; init; } = 16;

    /// <summary>Cutoff as a fraction of the lower Nyquist frequency (below 1 leaves room for the transition band).</summary>
    public double Rolloff { get; init; } = 0.95;

    /// <summary>Resamples a clip to <paramref name="targetRate"/>; a clip already at that rate is returned as it is.</summary>
    public AudioClip Resample(AudioClip clip, int targetRate)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return clip.SampleRate == targetRate ? clip : new AudioClip(Resample(clip.Samples, clip.SampleRate, targetRate), targetRate);
    }

    public float[] Resample(ReadOnlySpan<float> input, int sourceRate, int targetRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
        var outputLength = (int)((long)input.Length * targetRate / sourceRate);
        var output = new float[outputLength];
        var step = sourceRate / (double)targetRate;
        // Cutoff in cycles per input sample; scaling the sinc by it keeps unit gain at DC.
        var cutoff = 0.5 * Rolloff * Math.Min(1.0, targetRate / (double)sourceRate);
        var halfWidth = ZeroCrossings / (2 * cutoff);
        for (var n = 0; n < outputLength; n++)
        {
            var t = n * step;
            var first = Math.Max(0, (int)Math.Ceiling(t - halfWidth));
            var last = Math.Min(input.Length - 1, (int)Math.Floor(t + halfWidth));
            double sum = 0;
            for (var k = first; k <= last; k++)
            {
                var x = t - k;
                sum += input[k] * Kernel(x, cutoff, halfWidth);
            }

            output[n] = (float)sum;
        }

        return output;
    }

    // 2fc * sinc(2fc x) * Blackman(x / halfWidth), for |x| <= halfWidth.
    private static double Kernel(double x, double cutoff, double halfWidth)
    {
        var sinc = x == 0 ? 1.0 : Math.Sin(2 * Math.PI * cutoff * x) / (2 * Math.PI * cutoff * x);
        var phase = Math.PI * ((x / halfWidth) + 1);
        var window = 0.42 - (0.5 * Math.Cos(phase)) + (0.08 * Math.Cos(2 * phase));
        return 2 * cutoff * sinc * window;
    }
}
