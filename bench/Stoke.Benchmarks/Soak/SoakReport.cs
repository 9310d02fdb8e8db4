using System.Globalization;
using System.Text;

namespace Stoke.Benchmarks.Soak;

/// <summary>
/// The bounds a soak is judged by. RSS: over the second half of the judged samples, the median of its last half may
/// pass the median of its first half by at most <see cref="RssGrowthMib"/> (medians, because every cold start and
/// delete of the churn loop swings RSS by the size of a model). Descriptors and threads: the second half's peak may pass
/// the first half's by at most a margin (a count, or a fraction of the first peak, whichever is larger); connections
/// and pool threads come and go, a leak keeps climbing.
/// </summary>
internal sealed record SoakBounds
{
    public double RssGrowthMib { get; init; } = 64;

    public int FdMargin { get; init; } = 16;

    public double FdMarginFraction { get; init; } = 0.10;

    public int ThreadMargin { get; init; } = 8;

    public double ThreadMarginFraction { get; init; } = 0.15;

    public int FdLimit(int firstPeak) => firstPeak + Math.Max(FdMargin, (int)Math.Ceiling(firstPeak * FdMarginFraction));

    public int ThreadLimit(int firstPeak) => firstPeak + Math.Max(ThreadMargin, (int)Math.Ceiling(firstPeak * ThreadMarginFraction));
}

/// <summary>A soak's figures and verdict: requests per kind, refusals, errors, and the node's footprint after the warm-up.</summary>
internal sealed class SoakReport
{
    private SoakReport(SoakResult result, SoakBounds bounds)
    {
        Result = result;
        Bounds = bounds;
        Judged = result.Samples.Where(s => s.At >= result.Warmup).ToList();
        if (Judged.Count < 4)
        {
            throw new InvalidOperationException($"Only {Judged.Count} samples after the warm-up: run longer or sample more often.");
        }

        var middle = Judged[0].At + ((Judged[^1].At - Judged[0].At) / 2);
        FirstHalf = Judged.Where(s => s.At < middle).ToList();
        SecondHalf = Judged.Where(s => s.At >= middle).ToList();
        var quarter = SecondHalf[0].At + ((SecondHalf[^1].At - SecondHalf[0].At) / 2);
        RssGrowthMib = MedianOf(SecondHalf.Where(s => s.At >= quarter).Select(s => s.RssMib)) - MedianOf(SecondHalf.Where(s => s.At < quarter).Select(s => s.RssMib));
        RssTrendMib = Trend(SecondHalf) * (SecondHalf[^1].At - SecondHalf[0].At).TotalSeconds;
        FdLimit = bounds.FdLimit(FirstHalf.Max(s => s.Fds));
        ThreadLimit = bounds.ThreadLimit(FirstHalf.Max(s => s.Threads));
    }

    public SoakResult Result { get; }

    public SoakBounds Bounds { get; }

    /// <summary>The samples after the warm-up.</summary>
    public IReadOnlyList<ProcessSample> Judged { get; }

    public IReadOnlyList<ProcessSample> FirstHalf { get; }

    public IReadOnlyList<ProcessSample> SecondHalf { get; }

    /// <summary>Over the second half: the median RSS of its last half less that of its first half, in MiB.</summary>
    public double RssGrowthMib { get; }

    /// <summary>The RSS trend over the second half (least squares), in MiB over that half's length; reported, not judged.</summary>
    public double RssTrendMib { get; }

    /// <summary>The most descriptors the second half may hold: the first half's peak plus the margin.</summary>
    public int FdLimit { get; }

    public int ThreadLimit { get; }

    public bool RssBounded => RssGrowthMib <= Bounds.RssGrowthMib;

    public bool FdsBounded => SecondHalf.Max(s => s.Fds) <= FdLimit;

    public bool ThreadsBounded => SecondHalf.Max(s => s.Threads) <= ThreadLimit;

    /// <summary>What failed, one line each; empty when the soak passed.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            var tally = Result.Tally;
            var found = new List<string>();
            if (tally.Errors > 0)
            {
                found.Add($"{tally.Errors} errors (not deliberate refusals); first: {string.Join(" | ", tally.FirstErrors)}");
            }

            if (tally.BareRefusals > 0)
            {
                found.Add($"{tally.BareRefusals} refusals (429/503) without Retry-After");
            }

            if (!RssBounded)
            {
                found.Add(F($"RSS's median grew {RssGrowthMib:F1} MiB over the second half (bound {Bounds.RssGrowthMib:F0} MiB)"));
            }

            if (!FdsBounded)
            {
                found.Add($"open descriptors reached {SecondHalf.Max(s => s.Fds)} in the second half (first half's peak {FirstHalf.Max(s => s.Fds)}, limit {FdLimit})");
            }

            if (!ThreadsBounded)
            {
                found.Add($"threads reached {SecondHalf.Max(s => s.Threads)} in the second half (first half's peak {FirstHalf.Max(s => s.Threads)}, limit {ThreadLimit})");
            }

            return found;
        }
    }

    public static SoakReport From(SoakResult result, SoakBounds? bounds = null) => new(result, bounds ?? new SoakBounds());

    /// <summary>Two markdown tables (requests per kind; the footprint) and the verdict.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        var tally = Result.Tally;
        text.AppendLine("| kind | requests | ok | refused (429/503 + Retry-After) | errors |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var (kind, count) in tally.Kinds.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            text.AppendLine(F($"| {kind} | {count.Total} | {count.Ok} | {count.Refused} | {count.Errors} |"));
        }

        text.AppendLine(F($"| all | {tally.Requests} | {tally.Requests - tally.Refusals - tally.Errors} | {tally.Refusals} | {tally.Errors} |"));
        text.AppendLine();
        var rss = Judged.Select(s => s.RssMib).Order().ToList();
        text.AppendLine(F($"node footprint after a {Result.Warmup.TotalSeconds:F0} s warm-up, {Judged.Count} samples over {(Judged[^1].At - Judged[0].At).TotalSeconds:F0} s:"));
        text.AppendLine();
        text.AppendLine("| figure | first | median | max | last | second half |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine(F($"| RSS (MiB) | {Judged[0].RssMib:F1} | {rss[rss.Count / 2]:F1} | {rss[^1]:F1} | {Judged[^1].RssMib:F1} | median growth {RssGrowthMib:+0.0;-0.0} MiB (bound {Bounds.RssGrowthMib:F0}), least-squares trend {RssTrendMib:+0.0;-0.0} MiB |"));
        text.AppendLine(F($"| open descriptors | {Judged[0].Fds} | {Median(Judged.Select(s => s.Fds))} | {Judged.Max(s => s.Fds)} | {Judged[^1].Fds} | peak {SecondHalf.Max(s => s.Fds)} (first half {FirstHalf.Max(s => s.Fds)}, limit {FdLimit}) |"));
        text.AppendLine(F($"| threads | {Judged[0].Threads} | {Median(Judged.Select(s => s.Threads))} | {Judged.Max(s => s.Threads)} | {Judged[^1].Threads} | peak {SecondHalf.Max(s => s.Threads)} (first half {FirstHalf.Max(s => s.Threads)}, limit {ThreadLimit}) |"));
        text.AppendLine();
        var violations = Violations;
        text.AppendLine(violations.Count == 0
            ? "verdict: PASS (no error but deliberate refusals, every refusal with Retry-After, RSS, descriptors and threads bounded)"
            : "verdict: FAIL\n  " + string.Join("\n  ", violations));
        return text.ToString();
    }

    /// <summary>Least-squares slope of RSS against time, MiB per second.</summary>
    private static double Trend(IReadOnlyList<ProcessSample> samples)
    {
        var meanT = samples.Average(s => s.At.TotalSeconds);
        var meanR = samples.Average(s => s.RssMib);
        var num = samples.Sum(s => (s.At.TotalSeconds - meanT) * (s.RssMib - meanR));
        var den = samples.Sum(s => Math.Pow(s.At.TotalSeconds - meanT, 2));
        return den == 0 ? 0 : num / den;
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static int Median(IEnumerable<int> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
