using System.CommandLine;
using Spectre.Console;
using Stoke.Abstractions.Usage;
using Stoke.Cli.Rendering;
using Stoke.Gateway.Management;
using Stoke.Runtime.Ledger;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke usage</c>: metered use per function version and the tenant's total.</summary>
public static class UsageCommand
{
    public static Command Create(CliEnvironment env)
    {
        var name = new Argument<string?>("NAME") { Description = "Only this function.", Arity = ArgumentArity.ZeroOrOne };
        var verify = new Option<bool>("--verify") { Description = "Check that the usage equals the tenant's ledger (exit 3 when it does not)." };
        var command = new Command("usage", "Show metered usage: requests, cold-start waits, compute, memory-time, tokens, cost.") { name, verify };
        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            if (result.GetValue(verify))
            {
                return Verify(env, Api.Read<LedgerCheckReport>(await client.VerifyUsageAsync(token)));
            }

            var report = Api.Read<UsageReport>(await client.UsageAsync(result.GetValue(name), token));
            env.Console.MarkupLine($"Usage of tenant [bold]{Markup.Escape(report.Tenant)}[/]");
            env.Console.Write(Table(report.Functions, report.Total));
            return 0;
        }));
        return command;
    }

    // The ledger check: a row per function version the ledger knows, then every problem found; exit 3 on any.
    private static int Verify(CliEnvironment env, LedgerCheckReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("function", "v", "ledger requests", "ledger cost", "billed requests", "billed cost", "check");
        foreach (var r in report.Versions)
        {
            table.AddRow(
                Markup.Escape(r.Function),
                r.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Fmt.Int(r.Ledger.Requests),
                Fmt.Money(r.Ledger.Cost),
                r.Billed is null ? "deleted" : Fmt.Int(r.Billed.Requests),
                r.Billed is null ? "" : Fmt.Money(r.Billed.Cost),
                r.Matches ? "[green]ok[/]" : "[red]differs[/]");
        }

        env.Console.MarkupLine($"Ledger of tenant [bold]{Markup.Escape(report.Tenant)}[/]: {Fmt.Int(report.Entries)} entries");
        env.Console.Write(table);
        foreach (var problem in report.Problems)
        {
            env.Console.MarkupLine($"[red]problem:[/] {Markup.Escape(problem)}");
        }

        env.Console.MarkupLine(report.Consistent ? "usage verified: the aggregates equal the ledger" : $"usage NOT verified: {report.Problems.Length} problem(s)");
        return report.Consistent ? 0 : 3;
    }

    public static Table Table(IEnumerable<UsageSummary> rows, UsageSummary total)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("function", "v", "requests", "failures", "cold-start waits", "cold-start wait ms", "queue ms", "compute ms", "MB-s", "energy J", "tokens in/out", "cost");
        foreach (var r in rows)
        {
            Add(table, Markup.Escape(r.Function), r.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), r);
        }

        Add(table, "[bold]total[/]", "", total);
        return table;
    }

    private static void Add(Table table, string name, string version, UsageSummary r) => table.AddRow(
        name,
        version,
        Fmt.Int(r.Requests),
        Fmt.Int(r.Failures),
        Fmt.Int(r.ColdStarts),
        Fmt.Num(r.ColdStartMs, "0.0"),
        Fmt.Num(r.QueueMs, "0.0"),
        Fmt.Num(r.ComputeMs, "0.0"),
        Fmt.Num(r.MemoryMbSeconds, "0.00"),
        Fmt.Num(r.EnergyJoules, "0.00"),
        $"{Fmt.Int(r.InputTokens)}/{Fmt.Int(r.OutputTokens)}",
        Fmt.Money(r.Cost));
}
