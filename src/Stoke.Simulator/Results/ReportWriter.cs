using System.Globalization;
using System.Text;

namespace Stoke.Simulator.Results;

/// <summary>Writes reports as CSV (one row per run and function, "*" for the run's total) and as a text table.</summary>
public static class ReportWriter
{
    public const string CsvHeader =
        "label,policies,function,requests,completed,failed,cold_starts,cold_start_rate,p50_ms,p99_ms,slo_attainment,wasted_gb_s,instance_s,gb_s,cost,instance_starts,evictions,energy_kwh,node_awake_h";

    public static void WriteCsv(TextWriter writer, IEnumerable<SimulationReport> reports, bool perFunction = true)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(CsvHeader);
        foreach (var report in reports)
        {
            WriteRow(writer, report, report.Total);
            if (perFunction)
            {
                foreach (var row in report.Functions)
                {
                    WriteRow(writer, report, row);
                }
            }
        }
    }

    public static void WriteCsv(string path, IEnumerable<SimulationReport> reports, bool perFunction = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new StreamWriter(path, append: false, Encoding.UTF8);
        WriteCsv(writer, reports, perFunction);
    }

    /// <summary>A fixed-width table of each run's totals, for consoles without a richer renderer.</summary>
    public static string FormatTable(IEnumerable<SimulationReport> reports)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"run",-28} {"requests",9} {"cold %",7} {"p50 s",8} {"p99 s",8} {"SLO %",6} {"wasted GB-h",12} {"inst-h",9} {"cost $",9} {"kWh",9} {"failed",7}");
        foreach (var r in reports)
        {
            var t = r.Total;
            var slo = t.SloAttainment is { } s ? (s * 100).ToString("0.0", CultureInfo.InvariantCulture) : "-";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Label,-28} {t.Requests,9} {t.ColdStartRate * 100,7:0.00} {t.P50Ms / 1000,8:0.00} {t.P99Ms / 1000,8:0.00} {slo,6} {t.WastedGbSeconds / 3600,12:0.0} {t.InstanceSeconds / 3600,9:0.0} {t.Cost,9:0.00} {t.EnergyJoules / 3.6e6,9:0.00} {t.Failed,7}");
        }

        return sb.ToString();
    }

    private static void WriteRow(TextWriter w, SimulationReport report, RunResult r)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine(string.Join(
            ',',
            Quote(report.Label),
            Quote(report.Policies),
            Quote(r.Function),
            r.Requests.ToString(c),
            r.Completed.ToString(c),
            r.Failed.ToString(c),
            r.ColdStarts.ToString(c),
            r.ColdStartRate.ToString("0.######", c),
            r.P50Ms.ToString("0.###", c),
            r.P99Ms.ToString("0.###", c),
            r.SloAttainment?.ToString("0.######", c) ?? "",
            r.WastedGbSeconds.ToString("0.###", c),
            r.InstanceSeconds.ToString("0.###", c),
            r.GbSeconds.ToString("0.###", c),
            r.Cost.ToString("0.######", c),
            r.InstanceStarts.ToString(c),
            r.Evictions.ToString(c),
            (r.EnergyJoules / 3.6e6).ToString("0.######", c),
            (r.NodeAwakeSeconds / 3600).ToString("0.###", c)));
    }

    private static string Quote(string s) =>
        s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
