using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Cli.Rendering;
using Stoke.Client;
using Stoke.Pipelines.Yaml;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke deploy-pipeline</c>: uploads a pipeline spec (its <c>@PATH</c> files inlined) as a new version of a pipeline function.</summary>
public static class DeployPipelineCommand
{
    public static Command Create(CliEnvironment env)
    {
        var name = new Argument<string>("NAME") { Description = "Pipeline name." };
        var spec = new Option<FileInfo>("--spec") { Description = "Pipeline spec, JSON or YAML (.yaml, .yml) (docs/pipelines.md); files written @PATH are read relative to it.", HelpName = "FILE", Required = true };
        var command = new Command("deploy-pipeline", "Deploy a pipeline of functions and transforms as a new version of a function.") { name, spec };
        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            var json = ReadSpec(result.GetValue(spec)!.FullName);
            var deployed = Api.Read<FunctionSpec>(await client.DeployPipelineAsync(result.GetValue(name)!, json, token));
            env.Console.MarkupLine($"[green]Deployed[/] pipeline {Markup.Escape(deployed.Name)} version {deployed.Version}.");
            env.Console.Write(SpecTables.Summary(deployed));
            env.Console.Write(SpecTables.Signature(deployed.Signature));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The spec's JSON with its <c>@PATH</c> files inlined. A YAML spec goes up as its JSON form, converted here so that
    /// its files are inlined as a JSON spec's are; a YAML error is bad input (exit code 2) with its line and column.
    /// </summary>
    public static string ReadSpec(string path)
    {
        if (!PipelineSpecYaml.IsYamlFile(path))
        {
            return PipelineSpecFiles.Read(path);
        }

        try
        {
            return PipelineSpecFiles.Inline(PipelineSpecYaml.ToJson(File.ReadAllText(path)), path);
        }
        catch (StokeException ex)
        {
            throw new CliException($"{path}: {ex.Message}", exitCode: 2);
        }
    }

    /// <summary>The graph and the last request's time per step, for <c>stoke describe</c> of a pipeline.</summary>
    public static void Render(IAnsiConsole console, JsonNode description)
    {
        var graph = new Table().Border(TableBorder.Rounded).Title("pipeline steps").AddColumns("step", "kind", "runs", "reads", "instances", "last request ms", "batch sizes");
        var last = description["lastRequest"]?["steps"]?.AsArray().ToDictionary(s => s!["step"]!.GetValue<string>(), s => s!) ?? [];
        foreach (var step in description["steps"]!.AsArray())
        {
            var stepName = step!["name"]!.GetValue<string>();
            var instances = step["function"]?["instances"]?.AsArray() is { } list
                ? string.Join(", ", list.Select(i => i!["phase"]!.ToString().ToLowerInvariant()))
                : "-";
            var trace = last.GetValueOrDefault(stepName);
            graph.AddRow(
                Markup.Escape(stepName),
                step["kind"]!.GetValue<string>(),
                Markup.Escape(step["runs"]!.GetValue<string>()),
                Markup.Escape(string.Join(", ", step["reads"]!.AsArray().Select(r => r!.GetValue<string>()))),
                Markup.Escape(instances.Length == 0 ? "none" : instances),
                trace is null ? "-" : trace["ms"]!.GetValue<double>().ToString("F1", CultureInfo.InvariantCulture),
                trace is null ? "-" : string.Join(",", trace["batchSizes"]!.AsArray().Select(b => b!.GetValue<int>())));
        }

        console.Write(graph);
        if (description["fusion"] is JsonObject fusion)
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"fusion ({Markup.Escape(fusion["policy"]!.GetValue<string>())})").AddColumns("steps", "fused", "why");
            foreach (var group in fusion["groups"]!.AsArray())
            {
                var how = group!["composite"]?.GetValue<bool>() == true ? "composite" : group["onInstance"]?.GetValue<bool>() == true ? "on instance" : "yes";
                table.AddRow(Markup.Escape(group["name"]!.GetValue<string>()), how, Markup.Escape(group["reason"]!.GetValue<string>()));
            }

            foreach (var pair in fusion["notFused"]!.AsArray())
            {
                table.AddRow(Markup.Escape($"{pair!["from"]!.GetValue<string>()} -> {pair["to"]!.GetValue<string>()}"), "no", Markup.Escape(pair["reason"]!.GetValue<string>()));
            }

            console.Write(table);
        }
    }
}
