using Spectre.Console;
using Spectre.Console.Rendering;
using Stoke.Cli.Rendering;
using Stoke.Gateway.Management;

namespace Stoke.Cli.Demo;

/// <summary>The demo's live view and its closing summary.</summary>
public static class DemoTables
{
    public static IRenderable Live(ClusterStatus? status, IReadOnlyList<DemoFunction> functions, TimeSpan elapsed, TimeSpan duration)
    {
        var progress = $"[bold]{Fmt.Num(elapsed.TotalSeconds, "0")}s / {Fmt.Num(duration.TotalSeconds, "0")}s[/]  " +
            string.Join("  ", functions.Select(f => $"{Markup.Escape(f.Name)}: {f.Stats.Sent} sent, {f.Stats.Failed} failed"));
        return status is null
            ? new Markup(progress)
            : new Rows(StatusTables.Functions(status.Functions), StatusTables.Nodes(status.Nodes), new Markup(progress));
    }

    public static string Line(ClusterStatus? status, IReadOnlyList<DemoFunction> functions, TimeSpan elapsed)
    {
        var server = status is null ? "" : " | " + string.Join(" | ", status.Functions.Select(StatusTables.Line));
        return $"[{Fmt.Num(elapsed.TotalSeconds, "0")}s] " + string.Join(", ", functions.Select(f => $"{f.Name} {f.Stats.Sent} sent/{f.Stats.Failed} failed")) + server;
    }

    public static Table Summary(IReadOnlyList<DemoFunction> functions, UsageReport? usage)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("demo summary")
            .AddColumns("function", "requests", "ok", "errors", "p50 ms", "p99 ms", "cold starts (mean wait)", "mean batch", "compute ms", "MB-s", "cost");
        foreach (var f in functions)
        {
            var rows = usage?.Functions.Where(u => u.Function == f.Name).ToList() ?? [];
            table.AddRow(
                Markup.Escape(f.Name),
                Fmt.Int(f.Stats.Sent),
                Fmt.Int(f.Stats.Succeeded),
                Markup.Escape(f.Stats.Errors()),
                Fmt.Ms(f.Stats.Percentile(0.50)),
                Fmt.Ms(f.Stats.Percentile(0.99)),
                Markup.Escape(f.Stats.ColdStarts()),
                Fmt.Num(f.Stats.MeanBatchSize, "0.0"),
                Fmt.Num(rows.Sum(r => r.ComputeMs), "0"),
                Fmt.Num(rows.Sum(r => r.MemoryMbSeconds), "0.0"),
                Fmt.Money(rows.Sum(r => r.Cost)));
        }

        if (usage is not null)
        {
            var t = usage.Total;
            table.AddRow("[bold]total[/]", Fmt.Int(functions.Sum(f => f.Stats.Sent)), Fmt.Int(functions.Sum(f => f.Stats.Succeeded)), "", "", "", Fmt.Int(t.ColdStarts), "", Fmt.Num(t.ComputeMs, "0"), Fmt.Num(t.MemoryMbSeconds, "0.0"), Fmt.Money(t.Cost));
        }

        return table;
    }
}
