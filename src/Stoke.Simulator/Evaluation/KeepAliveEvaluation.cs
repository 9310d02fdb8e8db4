using Stoke.Simulator.Results;
using Stoke.Simulator.Sweeps;

namespace Stoke.Simulator.Evaluation;

/// <summary>
/// Candidate keep-alive policies (each as a curve: one run per setting, e.g. the break-even rule at several cold-start
/// costs) against a fixed TTL on every slice and seed. The fixed curve is a dense sweep, run once per slice and seed
/// for every candidate. Curve is compared with curve: at every cold-start level of either that both cover, the
/// candidate's wasted memory read off its <see cref="OperatingCurve"/> against the fixed curve's, as the saving. The
/// verdict needs every compared point of every seed: a win when all save more than <see cref="Noise"/>, a loss when
/// any costs more than it.
/// </summary>
public static class KeepAliveEvaluation
{
    /// <summary>Savings within this share of the fixed curve's memory count as equal (the interpolation's error).</summary>
    public const double Noise = 0.01;

    /// <summary>Fixed TTLs of the dense sweep, in minutes: 1 to 240, about 15% apart.</summary>
    public static IReadOnlyList<double> DenseTtlMinutes { get; } = [.. Enumerable.Range(0, 40).Select(i => Math.Round(Math.Pow(1.15, i), 2)).Where(m => m <= 240)];

    /// <summary>One row per candidate and slice, candidates in the order given.</summary>
    public static IReadOnlyList<KeepAliveRow> Run(
        IReadOnlyList<EvaluationSlice> slices,
        IReadOnlyList<KeepAliveCandidate> candidates,
        IReadOnlyList<int> seeds,
        IProgress<double>? progress = null)
    {
        var runs = new List<SimulationOptions>();
        var layout = new List<(int Slice, int Fixed, int[] Candidates)>();
        foreach (var (slice, s) in slices.Select((x, i) => (x, i)))
        {
            foreach (var seed in seeds)
            {
                var baseline = slice.Run(seed);
                var fixedRuns = SweepRunner.FixedTtlSweep(baseline, DenseTtlMinutes);
                runs.AddRange(fixedRuns);
                var counts = new int[candidates.Count];
                foreach (var (candidate, c) in candidates.Select((x, i) => (x, i)))
                {
                    var candidateRuns = candidate.Runs(baseline);
                    counts[c] = candidateRuns.Count;
                    runs.AddRange(candidateRuns);
                }

                layout.Add((s, fixedRuns.Count, counts));
            }
        }

        var reports = SweepRunner.Run(runs, 0, progress);
        var points = candidates.Select(_ => slices.Select(_ => new List<ComparedPoint>()).ToList()).ToList();
        var at = 0;
        foreach (var (s, fixedCount, counts) in layout)
        {
            var curve = Totals(reports, at, fixedCount);
            at += fixedCount;
            for (var c = 0; c < counts.Length; c++)
            {
                points[c][s].AddRange(Compare(curve, Totals(reports, at, counts[c])));
                at += counts[c];
            }
        }

        return [.. candidates.SelectMany((candidate, c) => slices.Select((slice, s) =>
            Row(slice with { Role = candidate.Role?.Invoke(slice) ?? slice.Role }, candidate.Name, points[c][s])))];
    }

    /// <summary>
    /// The candidate curve against the fixed one at every cold-start level of either that both curves cover: the
    /// saving in wasted memory, and the cold starts more than the fixed curve reaches with the candidate's memory there
    /// (a loss in memory read as cold starts, which says whether it is more than the one cold start a slice of a few
    /// hundred requests cannot resolve).
    /// </summary>
    internal static IReadOnlyList<ComparedPoint> Compare(IReadOnlyList<RunResult> fixedRuns, IReadOnlyList<RunResult> candidateRuns)
    {
        var baseline = new OperatingCurve(fixedRuns);
        var candidate = new OperatingCurve(candidateRuns);
        var requests = fixedRuns.Count == 0 ? 0 : fixedRuns[0].Requests;
        var compared = new List<ComparedPoint>();
        foreach (var rate in baseline.Rates.Concat(candidate.Rates).Distinct().Order())
        {
            if (baseline.WastedAt(rate) is { } fixedWasted && fixedWasted > 0 && candidate.WastedAt(rate) is { } wasted)
            {
                var off = baseline.RateWith(wasted) is { } fewest ? (rate - fewest) * requests : (double?)null;
                compared.Add(new ComparedPoint(1 - (wasted / fixedWasted), off));
            }
        }

        return compared;
    }

    internal static KeepAliveRow Row(EvaluationSlice slice, string name, IReadOnlyList<ComparedPoint> points)
    {
        var savings = points.Select(p => p.Saving).ToList();
        var verdict = savings.Count == 0 ? Verdict.Tie
            : savings.Any(x => x < -Noise) ? Verdict.Loss
            : savings.All(x => x > Noise) ? Verdict.Win
            : Verdict.Tie;
        var percent = savings.Select(x => x * 100).Order().ToList();
        var worst = points.Count == 0 ? null : points.MinBy(p => p.Saving)!.ColdStartsOffCurve;
        return new KeepAliveRow(slice.Trace, slice.Name, slice.Role, name, percent.Count,
            percent.Count == 0 ? double.NaN : percent[0], percent.Count == 0 ? double.NaN : percent[percent.Count / 2], percent.Count == 0 ? double.NaN : percent[^1], verdict)
        {
            WorstColdStartsOffCurve = worst,
        };
    }

    private static List<RunResult> Totals(IReadOnlyList<SimulationReport> reports, int from, int count) =>
        [.. reports.Skip(from).Take(count).Select(r => r.Total)];

    /// <summary>One compared cold-start level: the candidate's saving in wasted memory there, and its cold starts off the fixed curve.</summary>
    internal readonly record struct ComparedPoint(double Saving, double? ColdStartsOffCurve);
}

/// <summary>A keep-alive policy as the protocol traces it.</summary>
/// <param name="Name">Its row's name, e.g. <c>hybrid, break-even 1..240 min</c>.</param>
/// <param name="Runs">Its runs of a slice's baseline: one per point of its curve.</param>
/// <param name="Role">What each slice is to this candidate, when it differs from the slice's own role.</param>
public sealed record KeepAliveCandidate(string Name, Func<SimulationOptions, IReadOnlyList<SimulationOptions>> Runs, Func<EvaluationSlice, SliceRole>? Role = null);

/// <summary>
/// One slice's comparison of a keep-alive curve with the dense fixed-TTL curve: the saving in wasted memory at equal
/// cold-start rate over every compared point and seed (in %: positive saves memory).
/// </summary>
public sealed record KeepAliveRow(string Trace, string Slice, SliceRole Role, string Policy, int Points, double WorstSavingPercent, double MedianSavingPercent, double BestSavingPercent, Verdict Verdict)
{
    /// <summary>The worst point's cold starts more than the fixed curve's at the same wasted memory (negative: fewer).</summary>
    public double? WorstColdStartsOffCurve { get; init; }
}
