using Stoke.Simulator.Results;
using Stoke.Simulator.Sweeps;

namespace Stoke.Simulator.Evaluation;

/// <summary>
/// A candidate keep-alive policy (as a curve: one run per setting, e.g. the break-even rule at several cold-start
/// costs) against a fixed TTL on every slice and seed. The fixed curve is a dense sweep; each candidate point is
/// compared with the fixed curve interpolated at the same cold-start rate, as the saving in wasted memory. A
/// point outside the fixed curve's range of cold-start rates is not compared. The verdict needs every compared point
/// of every seed: a win when all save more than <see cref="Noise"/>, a loss when any costs more than it.
/// </summary>
public static class KeepAliveEvaluation
{
    /// <summary>Savings within this share of the fixed curve's memory count as equal (the interpolation's error).</summary>
    public const double Noise = 0.01;

    /// <summary>Fixed TTLs of the dense sweep, in minutes: 1 to 240, about 15% apart.</summary>
    public static IReadOnlyList<double> DenseTtlMinutes { get; } = [.. Enumerable.Range(0, 40).Select(i => Math.Round(Math.Pow(1.15, i), 2)).Where(m => m <= 240)];

    /// <param name="candidate">The candidate's runs of a slice's baseline: one per point of its curve.</param>
    /// <param name="role">What each slice is to this candidate, when it differs from the slice's own role.</param>
    public static IReadOnlyList<KeepAliveRow> Run(
        IReadOnlyList<EvaluationSlice> slices,
        string name,
        Func<SimulationOptions, IReadOnlyList<SimulationOptions>> candidate,
        IReadOnlyList<int> seeds,
        IProgress<double>? progress = null,
        Func<EvaluationSlice, SliceRole>? role = null)
    {
        var runs = new List<SimulationOptions>();
        var layout = new List<(int Slice, int Fixed, int Candidate)>();
        foreach (var (slice, s) in slices.Select((x, i) => (x, i)))
        {
            foreach (var seed in seeds)
            {
                var baseline = slice.Run(seed);
                var fixedRuns = SweepRunner.FixedTtlSweep(baseline, DenseTtlMinutes);
                var candidateRuns = candidate(baseline);
                layout.Add((s, fixedRuns.Count, candidateRuns.Count));
                runs.AddRange(fixedRuns);
                runs.AddRange(candidateRuns);
            }
        }

        var reports = SweepRunner.Run(runs, 0, progress);
        var points = slices.Select(_ => new List<ComparedPoint>()).ToList();
        var at = 0;
        foreach (var (s, fixedCount, candidateCount) in layout)
        {
            var curve = reports.Skip(at).Take(fixedCount).Select(r => r.Total).ToList();
            foreach (var point in reports.Skip(at + fixedCount).Take(candidateCount).Select(r => r.Total))
            {
                if (Interpolate(curve, point.ColdStartRate) is { } fixedWasted && fixedWasted > 0)
                {
                    points[s].Add(new ComparedPoint(1 - (point.WastedGbSeconds / fixedWasted), ColdStartsOffCurve(curve, point)));
                }
            }

            at += fixedCount + candidateCount;
        }

        return [.. slices.Select((slice, s) => Row(slice with { Role = role?.Invoke(slice) ?? slice.Role }, name, points[s]))];
    }

    /// <summary>
    /// How many more cold starts <paramref name="point"/> had than the fixed curve with the same wasted memory (the
    /// fewest the curve reaches with it, linear between points): a loss in memory read as cold starts, which says
    /// whether it is more than the one cold start a slice of a few hundred requests cannot resolve. Null outside the curve.
    /// </summary>
    internal static double? ColdStartsOffCurve(IReadOnlyList<RunResult> curve, RunResult point)
    {
        var sorted = curve.OrderBy(r => r.WastedGbSeconds).ToList();
        double? fewest = null;
        for (var i = 1; i < sorted.Count; i++)
        {
            var (lo, hi) = (sorted[i - 1], sorted[i]);
            if (point.WastedGbSeconds >= lo.WastedGbSeconds && point.WastedGbSeconds <= hi.WastedGbSeconds)
            {
                var span = hi.WastedGbSeconds - lo.WastedGbSeconds;
                var f = span <= 0 ? 0 : (point.WastedGbSeconds - lo.WastedGbSeconds) / span;
                var rate = lo.ColdStartRate + (f * (hi.ColdStartRate - lo.ColdStartRate));
                fewest = fewest is { } x ? Math.Min(x, rate) : rate;
            }
        }

        return fewest is { } r ? (point.ColdStartRate - r) * point.Requests : null;
    }

    /// <summary>Wasted memory of the fixed curve at <paramref name="coldRate"/>, linear between the two nearest points; null outside it.</summary>
    internal static double? Interpolate(IReadOnlyList<RunResult> curve, double coldRate)
    {
        var points = curve.OrderBy(r => r.ColdStartRate).ToList();
        for (var i = 1; i < points.Count; i++)
        {
            var (lo, hi) = (points[i - 1], points[i]);
            if (coldRate >= lo.ColdStartRate && coldRate <= hi.ColdStartRate)
            {
                var span = hi.ColdStartRate - lo.ColdStartRate;
                var f = span <= 0 ? 0 : (coldRate - lo.ColdStartRate) / span;
                return lo.WastedGbSeconds + (f * (hi.WastedGbSeconds - lo.WastedGbSeconds));
            }
        }

        return null;
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

    /// <summary>One candidate point against the fixed curve: its saving in wasted memory, and its cold starts off the curve.</summary>
    internal readonly record struct ComparedPoint(double Saving, double? ColdStartsOffCurve);
}

/// <summary>
/// One slice's comparison of a keep-alive curve with the dense fixed-TTL curve: the saving in wasted memory at equal
/// cold-start rate over every compared point and seed (in %: positive saves memory).
/// </summary>
public sealed record KeepAliveRow(string Trace, string Slice, SliceRole Role, string Policy, int Points, double WorstSavingPercent, double MedianSavingPercent, double BestSavingPercent, Verdict Verdict)
{
    /// <summary>The worst point's cold starts more than the fixed curve's at the same wasted memory (negative: fewer).</summary>
    public double? WorstColdStartsOffCurve { get; init; }
}
