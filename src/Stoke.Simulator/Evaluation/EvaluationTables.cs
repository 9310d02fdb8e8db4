using System.Globalization;
using System.Text;

namespace Stoke.Simulator.Evaluation;

/// <summary>The protocol's results as Markdown tables, one per trace, as docs/simulator.md shows them.</summary>
public static class EvaluationTables
{
    public static string Autoscaling(IReadOnlyList<AutoscalerRow> rows, string candidate, string baseline)
    {
        var text = new StringBuilder();
        foreach (var trace in rows.GroupBy(r => r.Trace))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"**{trace.Key}** ({candidate} vs {baseline}; mean [range] over seeds)").AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"| slice | role | requests | {baseline} SLO % | {candidate} SLO % | {baseline} inst-h | {candidate} inst-h | inst-h ratio | instance starts ({baseline} / {candidate}) | verdict |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in trace)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Slice} | {Role(r.Role)} | {r.Requests:N0} | {r.BaselineSlo.Format("0.0")} | {r.CandidateSlo.Format("0.0")} | {r.BaselineInstanceHours.Format("0.0")} | {r.CandidateInstanceHours.Format("0.0")} | {r.InstanceHoursRatio.Format("0.00")} | {r.BaselineStarts.Mean:0} / {r.CandidateStarts.Mean:0} | {Verdict(r.Verdict)} |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public static string KeepAlive(IReadOnlyList<KeepAliveRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| trace | slice | role | policy | points compared | worst saving | worst point, cold starts off the curve | median saving | best saving | verdict |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var off = r.WorstColdStartsOffCurve is { } x ? x.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) : "-";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Trace} | {r.Slice} | {Role(r.Role)} | {r.Policy} | {r.Points} | {Percent(r.WorstSavingPercent)} | {off} | {Percent(r.MedianSavingPercent)} | {Percent(r.BestSavingPercent)} | {Verdict(r.Verdict)} |");
        }

        return text.ToString();
    }

    private static string Percent(double value) => double.IsNaN(value) ? "-" : value.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";

    private static string Role(SliceRole role) => role switch
    {
        SliceRole.Tuned => "tuned on",
        SliceRole.PartOfTuned => "part of the tuned data",
        _ => "held out",
    };

    private static string Verdict(Verdict verdict) => verdict switch
    {
        Evaluation.Verdict.Win => "**win**",
        Evaluation.Verdict.Loss => "**loss**",
        _ => "tie",
    };
}
