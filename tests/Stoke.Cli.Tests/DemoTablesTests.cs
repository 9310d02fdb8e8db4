using System.Net;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stoke.Abstractions.Functions;
using Stoke.Cli.Demo;
using Stoke.Cli.Rendering;
using Stoke.Client;
using Stoke.Gateway.Management;
using Stoke.Samples;

namespace Stoke.Cli.Tests;

/// <summary>
/// The demo's scale from zero as its tables show it: three instances started from the memory tier while twenty
/// requests waited for them (and five more found a ready instance).
/// </summary>
public sealed class DemoTablesTests
{
    private static readonly DemoFunction Arctic = ScaleFromZero();

    private static readonly ClusterStatus Status = new("node-1", [], [
        new FunctionStatus { Function = "default/arctic-xs", Version = 1, Instances = [], ColdStartsByTier = new() { ["memory"] = 3 } },
    ]);

    [Fact]
    public void SummaryCountsInstanceStartsApartFromTheRequestsThatWaitedForThem()
    {
        var row = Row(DemoTables.Summary([Arctic], Status, usage: null), "arctic-xs");

        Assert.Equal(("memory:3", "memory:20 (400 ms)"), (row[StatusTables.InstanceStartsColumn], row[DemoTables.ColdStartWaitsColumn]));
    }

    [Fact]
    public void LiveTableAndSummaryCountInstanceStartsAlike()
    {
        var live = Row(DemoTables.Live(Status, [Arctic], TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)), "default/arctic-xs");
        var summary = Row(DemoTables.Summary([Arctic], Status, usage: null), "arctic-xs");

        Assert.Equal(live[StatusTables.InstanceStartsColumn], summary[StatusTables.InstanceStartsColumn]);
    }

    private static DemoFunction ScaleFromZero()
    {
        var function = new DemoFunction("arctic-xs", new SampleModel("arctic-xs", "unused.onnx", null, "test"), []);
        for (var i = 0; i < 20; i++)
        {
            function.Stats.Record(Ok(("Stoke-Cold-Start-Tier", "memory"), ("Stoke-Cold-Start-Ms", "400")), 450);
        }

        for (var i = 0; i < 5; i++)
        {
            function.Stats.Record(Ok(), 20);
        }

        return function;
    }

    private static InferResponse Ok(params (string Name, string Value)[] headers) =>
        new(HttpStatusCode.OK, headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase), []);

    // Renders the table as plain text and reads one row's cells by their column headers.
    private static Dictionary<string, string> Row(IRenderable table, string first)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 400;
        console.Write(table);
        var lines = writer.ToString().Split('\n').Select(l => l.Split('│').Select(c => c.Trim()).ToArray()).Where(c => c.Length > 2).ToList();
        var header = lines.First(c => c[1] == "function");
        var row = lines.First(c => c[1] == first);
        return header.Zip(row).Where(p => p.First.Length > 0).ToDictionary(p => p.First, p => p.Second);
    }
}
