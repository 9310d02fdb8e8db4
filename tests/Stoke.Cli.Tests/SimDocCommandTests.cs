using System.Globalization;
using System.Text.RegularExpressions;
using Stoke.Cli.Tests.Support;

namespace Stoke.Cli.Tests;

/// <summary>
/// docs/simulator.md's commands reproduce its tables: the eviction command, read from the doc itself, runs through
/// <c>stoke sim</c> on the real GenTD26 trace and must print the doc's "cost-aware eviction" row (cold-start rate,
/// SLO attainment, wasted GB-hours) to the digit the doc shows.
/// </summary>
public sealed partial class SimDocCommandTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "stoke-simdoc-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task EvictionCommandOfTheDocGivesTheDocsRow()
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(ToolPackage.SolutionRoot, "docs", "simulator.md"));
        var args = DocumentedCommand(doc, "--eviction cost-aware");
        var expected = TableRow(doc, "cost-aware eviction (24 h TTL, 80 GB node)");

        var (code, text) = await CliRun.InvokeAsync(args);

        Assert.True(code == 0, text);
        // The run's total row of results.csv, at the doc's precision.
        var csv = (await File.ReadAllLinesAsync(Path.Combine(_out, "results.csv"))).ToList();
        var header = csv[0].TrimStart('\uFEFF').Split(',');
        var total = csv.Skip(1).Select(l => l.Split(',')).Single(f => f[Array.IndexOf(header, "function")] == "*");
        double Column(string name) => double.Parse(total[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
        Assert.Equal(expected.ColdPercent, (Column("cold_start_rate") * 100).ToString("0.00", CultureInfo.InvariantCulture));
        Assert.Equal(expected.SloPercent, (Column("slo_attainment") * 100).ToString("0.0", CultureInfo.InvariantCulture));
        Assert.Equal(expected.WastedGbHours, Math.Round(Column("wasted_gb_s") / 3600, MidpointRounding.AwayFromZero).ToString("N0", CultureInfo.InvariantCulture));
        Assert.Contains(expected.ColdPercent, text, StringComparison.Ordinal); // the printed table shows the same run
    }

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    // The documented `dotnet run --project src/Stoke.Cli -c Release -- sim ...` command (continued over lines ending
    // in a backslash) that contains `marker`, as arguments; relative paths resolve against the repository root.
    private string[] DocumentedCommand(string doc, string marker)
    {
        var command = Regex.Replace(doc, @"\\\r?\n\s*", " ").Split('\n').Single(l => l.Contains(marker, StringComparison.Ordinal) && l.Contains(" sim ", StringComparison.Ordinal));
        var args = command[(command.IndexOf(" -- ", StringComparison.Ordinal) + 4)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--trace")
            {
                var (kind, path) = (args[i + 1][..args[i + 1].IndexOf(':', StringComparison.Ordinal)], args[i + 1][(args[i + 1].IndexOf(':', StringComparison.Ordinal) + 1)..]);
                args[i + 1] = kind + ":" + Path.GetFullPath(Path.Combine(ToolPackage.SolutionRoot, path));
            }
            else if (args[i] == "--out")
            {
                args[i + 1] = _out;
            }
        }

        return [.. args];
    }

    private static (string ColdPercent, string SloPercent, string WastedGbHours) TableRow(string doc, string run)
    {
        var line = doc.Split('\n').Single(l => l.StartsWith("| " + run + " |", StringComparison.Ordinal));
        var cells = line.Split('|', StringSplitOptions.TrimEntries);
        return (cells[2], cells[3], cells[4]);
    }
}
