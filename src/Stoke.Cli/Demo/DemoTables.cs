using Spectre.Console;
using Spectre.Console.Rendering;
using Stoke.Cli.Rendering;
using Stoke.Gateway.Management;

namespace Stoke.Cli.Demo;

/// <summary>The demo's live view and its closing summary.</summary>
public static class DemoTables
{
    /// <summary>Header of the requests that found no ready instance and waited for one to start.</summary>
    public const string ColdStartWaitsColumn = "requests that waited for a cold start (mean wait)";

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

    /// <summary>
    /// The closing table: what the demo's clients saw per function, the instances the server started for it (from
    /// <paramref name="status"/>, as the live table counts them) apart from the requests that waited for those starts,
    /// and the server's metered usage.
    /// </summary>
    public static Table Summary(IReadOnlyList<DemoFunction> functions, ClusterStatus? status, UsageReport? usage)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var table = new Table().Border(TableBorder.Rounded).Title("demo summary")
            .AddColumns("function", "requests", "ok", "errors", "p50 ms", "p99 ms", StatusTables.InstanceStartsColumn, ColdStartWaitsColumn, "mean batch", "compute ms", "MB-s", "cost");
        var startsOf = functions.ToDictionary(f => f.Name, f => InstanceStartsOf(status, f.Name));
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
                status is null ? "?" : Markup.Escape(StatusTables.InstanceStarts(startsOf[f.Name])),
                Markup.Escape(f.Stats.ColdStartWaitsByTier()),
                Fmt.Num(f.Stats.MeanBatchSize, "0.0"),
                Fmt.Num(rows.Sum(r => r.ComputeMs), "0"),
                Fmt.Num(rows.Sum(r => r.MemoryMbSeconds), "0.0"),
                Fmt.Money(rows.Sum(r => r.Cost)));
        }

        table.AddRow(
            "[bold]total[/]",
            Fmt.Int(functions.Sum(f => f.Stats.Sent)),
            Fmt.Int(functions.Sum(f => f.Stats.Succeeded)),
            "",
            "",
            "",
            status is null ? "?" : Fmt.Int(startsOf.Values.Sum(byTier => byTier.Values.Sum())),
            Fmt.Int(functions.Sum(f => f.Stats.ColdStartWaits)),
            "",
            usage is null ? "" : Fmt.Num(usage.Total.ComputeMs, "0"),
            usage is null ? "" : Fmt.Num(usage.Total.MemoryMbSeconds, "0.0"),
            usage is null ? "" : Fmt.Money(usage.Total.Cost));
        return table;
    }

    // Instance starts of a demo function over its versions, by tier; the status names functions tenant/name.
    private static Dictionary<string, long> InstanceStartsOf(ClusterStatus? status, string name) =>
        (status?.Functions ?? [])
            .Where(s => s.Function == name || s.Function.EndsWith("/" + name, StringComparison.Ordinal))
            .SelectMany(s => s.ColdStartsByTier)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
}
