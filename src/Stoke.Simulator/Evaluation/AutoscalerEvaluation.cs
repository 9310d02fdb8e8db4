using Stoke.Simulator.Results;
using Stoke.Simulator.Sweeps;

namespace Stoke.Simulator.Evaluation;

/// <summary>
/// A candidate autoscaler against its baseline (KPA) on every slice and seed: SLO attainment and instance-hours,
/// each as mean and range over seeds, and a verdict. The candidate must not lose on either metric beyond noise
/// (attainment by more than the larger of 0.1 point and the baseline's seed range; instance-hours by more than the
/// allowed 2% plus the baseline's relative seed range) and wins when it is better on one beyond that noise.
/// </summary>
public static class AutoscalerEvaluation
{
    /// <summary>Instance-hours the candidate may spend over the baseline before it counts as a loss.</summary>
    public const double InstanceHoursAllowance = 0.02;

    public static IReadOnlyList<AutoscalerRow> Run(IReadOnlyList<EvaluationSlice> slices, string candidate, string baseline, IReadOnlyList<int> seeds, IProgress<double>? progress = null)
    {
        var runs = new List<SimulationOptions>();
        foreach (var slice in slices)
        {
            foreach (var seed in seeds)
            {
                var run = slice.Run(seed);
                runs.Add(run with { Label = baseline, Scaling = run.Scaling with { Autoscaler = baseline } });
                runs.Add(run with { Label = candidate, Scaling = run.Scaling with { Autoscaler = candidate } });
            }
        }

        var reports = SweepRunner.Run(runs, 0, progress);
        var rows = new List<AutoscalerRow>();
        for (var s = 0; s < slices.Count; s++)
        {
            var pairs = Enumerable.Range(0, seeds.Count).Select(k => (Base: reports[(s * seeds.Count + k) * 2].Total, Cand: reports[((s * seeds.Count + k) * 2) + 1].Total)).ToList();
            rows.Add(Row(slices[s], pairs));
        }

        return rows;
    }

    internal static AutoscalerRow Row(EvaluationSlice slice, IReadOnlyList<(RunResult Base, RunResult Cand)> pairs)
    {
        var baseSlo = Spread.Of(pairs.Select(p => (p.Base.SloAttainment ?? 0) * 100));
        var candSlo = Spread.Of(pairs.Select(p => (p.Cand.SloAttainment ?? 0) * 100));
        var baseHours = Spread.Of(pairs.Select(p => p.Base.InstanceSeconds / 3600));
        var candHours = Spread.Of(pairs.Select(p => p.Cand.InstanceSeconds / 3600));
        var sloDelta = Spread.Of(pairs.Select(p => ((p.Cand.SloAttainment ?? 0) - (p.Base.SloAttainment ?? 0)) * 100));
        var hoursRatio = Spread.Of(pairs.Select(p => p.Base.InstanceSeconds <= 0 ? 1 : p.Cand.InstanceSeconds / p.Base.InstanceSeconds));
        var sloNoise = Math.Max(0.1, baseSlo.Range);
        var hoursNoise = baseHours.Mean <= 0 ? 0 : baseHours.Range / baseHours.Mean;
        var verdict = sloDelta.Mean < -sloNoise || hoursRatio.Mean > 1 + InstanceHoursAllowance + hoursNoise ? Verdict.Loss
            : sloDelta.Mean > sloNoise || hoursRatio.Mean < 1 - Math.Max(0.01, hoursNoise) ? Verdict.Win
            : Verdict.Tie;
        return new AutoscalerRow(slice.Trace, slice.Name, slice.Role, pairs[0].Base.Requests, baseSlo, candSlo, baseHours, candHours, hoursRatio,
            Spread.Of(pairs.Select(p => (double)p.Base.InstanceStarts)), Spread.Of(pairs.Select(p => (double)p.Cand.InstanceStarts)), verdict);
    }
}

/// <summary>One slice's comparison of two autoscalers (means and ranges over seeds).</summary>
public sealed record AutoscalerRow(
    string Trace,
    string Slice,
    SliceRole Role,
    long Requests,
    Spread BaselineSlo,
    Spread CandidateSlo,
    Spread BaselineInstanceHours,
    Spread CandidateInstanceHours,
    Spread InstanceHoursRatio,
    Spread BaselineStarts,
    Spread CandidateStarts,
    Verdict Verdict);
