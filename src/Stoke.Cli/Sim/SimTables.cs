using Spectre.Console;
using Stoke.Cli.Rendering;
using Stoke.Simulator.Results;
using Stoke.Simulator.Sweeps;

namespace Stoke.Cli.Sim;

/// <summary>The results table and chart of <c>stoke sim</c>.</summary>
public static class SimTables
{
    public static Table Results(IEnumerable<SimulationReport> reports)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("run", "requests", "cold %", "p50 s", "p99 s", "SLO %", "wasted GB-h", "instance-h", "cost", "failed", "evictions");
        foreach (var r in reports)
        {
            var t = r.Total;
            table.AddRow(
                Markup.Escape(r.Label),
                Fmt.Int(t.Requests),
                Fmt.Num(t.ColdStartRate * 100, "0.00"),
                Fmt.Num(t.P50Ms / 1000, "0.00"),
                Fmt.Num(t.P99Ms / 1000, "0.00"),
                t.SloAttainment is { } slo ? Fmt.Num(slo * 100, "0.0") : "-",
                Fmt.Num(t.WastedGbSeconds / 3600, "0.0"),
                Fmt.Num(t.InstanceSeconds / 3600, "0.0"),
                Fmt.Money(t.Cost),
                Fmt.Int(t.Failed),
                Fmt.Int(t.Evictions));
        }

        return table;
    }

    /// <summary>The trade-off scatter when there is a TTL sweep, else bars comparing the runs.</summary>
    public static string Chart(string workload, IReadOnlyList<SimulationReport> reports, int sweepCount)
    {
        if (sweepCount > 0)
        {
            return SweepRunner.TradeOffSvg($"{workload}: cold starts vs wasted memory", [.. reports.Take(sweepCount)], [.. reports.Skip(sweepCount)]);
        }

        return SvgChart.Bars(
            $"{workload}: policies compared",
            "value",
            ["cold-start rate (%)", "SLO attainment (%)", "p99 latency (s)", "instance-hours"],
            [.. reports.Select(r => (r.Label, (IReadOnlyList<double>)[r.Total.ColdStartRate * 100, (r.Total.SloAttainment ?? 0) * 100, r.Total.P99Ms / 1000, r.Total.InstanceSeconds / 3600]))]);
    }
}
