namespace Stoke.Benchmarks.Support;

/// <summary>Order statistics over samples (nearest-rank percentiles), and medians of repeats.</summary>
internal static class Stats
{
    /// <summary>The <paramref name="p"/>-th percentile (0-100) by nearest rank.</summary>
    public static double Percentile(IReadOnlyList<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> samples) => Percentile(samples, 50);

    /// <summary>Median of the repeats, with the min-max range, e.g. <c>4.21 [4.10-4.40]</c>.</summary>
    public static string Summary(IReadOnlyList<double> repeats, string format = "F2") =>
        repeats.Count == 0
            ? "n/a"
            : $"{Median(repeats).ToString(format, System.Globalization.CultureInfo.InvariantCulture)} " +
              $"[{repeats.Min().ToString(format, System.Globalization.CultureInfo.InvariantCulture)}-" +
              $"{repeats.Max().ToString(format, System.Globalization.CultureInfo.InvariantCulture)}]";
}
