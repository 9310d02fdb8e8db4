using System.CommandLine;
using Spectre.Console;
using Stoke.Abstractions.Functions;
using Stoke.Cli.Rendering;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke list</c>: the caller's functions.</summary>
public static class ListCommand
{
    public static Command Create(CliEnvironment env)
    {
        var command = new Command("list", "List deployed functions.");
        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            var specs = Api.Read<FunctionSpec[]>(await client.ListAsync(token));
            if (specs.Length == 0)
            {
                env.Console.MarkupLine("No functions deployed. Try [bold]stoke deploy NAME --sample minilm[/].");
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded)
                .AddColumns("function", "version", "engine", "size", "batching", "autoscaler", "keep-alive", "instances", "created");
            foreach (var s in specs.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                table.AddRow(
                    Markup.Escape(s.Name),
                    s.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(s.Engine),
                    Fmt.Bytes(s.Artifact.SizeBytes),
                    Markup.Escape($"{s.Batching.Policy} x{s.Batching.MaxBatchSize}"),
                    Markup.Escape(s.Scaling.Autoscaler),
                    Markup.Escape($"{s.Scaling.KeepAlive} {Fmt.Span(s.Scaling.KeepAliveTtl)}"),
                    $"{s.Scaling.MinInstances}..{s.Scaling.MaxInstances}",
                    s.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            }

            env.Console.Write(table);
            return 0;
        }));
        return command;
    }
}
