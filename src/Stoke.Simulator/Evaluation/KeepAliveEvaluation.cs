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
    public static IReadOnlyList<KeepAliveRow> Run(
        IReadOnlyList<EvaluationSlice> slices, string name, Func<SimulationOptions, IReadOnlyList<SimulationOptions>> candidate, IReadOnlyList<int> seeds, IProgress<double>? progress = null)
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
        var savings = slices.Select(_ => new List<double>()).ToList();
        var at = 0;
        foreach (var (s, fixedCount, candidateCount) in layout)
        {
            var curve = reports.Skip(at).Take(fixedCount).Select(r => r.Total).ToList();
            foreach (var point in reports.Skip(at + fixedCount).Take(candidateCount).Select(r => r.Total))
            {
                if (Interpolate(curve, point.ColdStartRate) is { } fixedWasted && fixedWasted > 0)
                {
                    savings[s].Add(1 - (point.WastedGbSeconds / fixedWasted));
                }
            }

            at += fixedCount + candidateCount;
        }

        return [.. slices.Select((slice, s) => Row(slice, name, savings[s]))];
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

    internal static KeepAliveRow Row(EvaluationSlice slice, string name, IReadOnlyList<double> savings)
    {
        var verdict = savings.Count == 0 ? Verdict.Tie
            : savings.Any(x => x < -Noise) ? Verdict.Loss
            : savings.All(x => x > Noise) ? Verdict.Win
            : Verdict.Tie;
        var percent = savings.Select(x => x * 100).Order().ToList();
        return new KeepAliveRow(slice.Trace, slice.Name, slice.Role, name, percent.Count,
            percent.Count == 0 ? double.NaN : percent[0], percent.Count == 0 ? double.NaN : percent[percent.Count / 2], percent.Count == 0 ? double.NaN : percent[^1], verdict);
    }
}

/// <summary>
/// One slice's comparison of a keep-alive curve with the dense fixed-TTL curve: the saving in wasted memory at equal
/// cold-start rate over every compared point and seed (in %: positive saves memory).
/// </summary>
public sealed record KeepAliveRow(string Trace, string Slice, SliceRole Role, string Policy, int Points, double WorstSavingPercent, double MedianSavingPercent, double BestSavingPercent, Verdict Verdict);
