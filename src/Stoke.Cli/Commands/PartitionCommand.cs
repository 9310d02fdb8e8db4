using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stoke.Cli.Parsing;
using Stoke.Cli.Partition;
using Stoke.Cli.Rendering;
using Stoke.Partitioning;
using Stoke.Partitioning.Graph;
using Stoke.Partitioning.Planning;

namespace Stoke.Cli.Commands;

/// <summary>
/// <c>stoke partition</c>: cuts an ONNX model into slices that run in sequence (docs/pipelines.md, "Partitioning a
/// model"), writes them with plan.json, and with <c>--deploy</c> deploys each slice as a function.
/// </summary>
public static class PartitionCommand
{
    public static Command Create(CliEnvironment env)
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model to cut." };
        var parts = OptionRules.Int("--parts", "Number of slices.", 1);
        var maxPartMb = OptionRules.Number("--max-part-mb", "Most weight memory per slice, MB: the fewest slices that fit.", 0, exclusive: true, helpName: "MB");
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the slices and plan.json (default: out/partition/NAME).", HelpName = "DIR" };
        var slack = OptionRules.Number("--memory-slack", "How far above its even share of the weights a slice may grow to pass fewer bytes (default 0.25).");
        var dimSize = OptionRules.Int("--dim-size", "What a symbolic dim (batch, sequence, ...) counts as when estimating bytes passed (default 32).", 1);
        var dims = OptionRules.KeyValues("--dim", "Size of one symbolic dim by name, e.g. --dim sequence=128; repeatable.", "NAME=SIZE");
        var deploy = new Option<string?>("--deploy") { Description = "Deploy each slice as function NAME-partK and the sequence pipeline NAME over them.", HelpName = "NAME" };
        var command = new Command("partition", "Cut an ONNX model into slices that run in sequence, passing the fewest bytes between them.")
        {
            model, parts, maxPartMb, output, slack, dimSize, dims, deploy,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetResult(parts) is null) == (r.GetResult(maxPartMb) is null))
            {
                r.AddError("partition needs exactly one of --parts N or --max-part-mb MB.");
            }
        });

        command.SetAction((result, ct) => env.GuardAsync(result.GetValue(deploy) is null ? null : env.Global.ServerOf(result), ct, async token =>
        {
            var file = result.GetValue(model)!;
            if (!file.Exists)
            {
                throw new CliException($"Model file not found: {file.FullName}", 2);
            }

            var name = Path.GetFileNameWithoutExtension(file.Name);
            var options = new PartitionOptions
            {
                Parts = result.GetValue(parts),
                MaxPartMb = result.GetValue(maxPartMb),
                MemorySlack = result.GetValue(slack) ?? 0.25,
                Sizes = new NominalSizes { Default = result.GetValue(dimSize) ?? 32, Named = NamedDims(result.GetValue(dims)) },
            };

            PartitionResult partition;
            try
            {
                partition = ModelPartitioner.Partition(await File.ReadAllBytesAsync(file.FullName, token), name, options);
            }
            catch (ArgumentException ex)
            {
                throw new CliException($"{file.Name}: {ex.Message}", 2);
            }

            var directory = result.GetValue(output) ?? new DirectoryInfo(Path.Combine("out", "partition", name));
            var planPath = PartitionFiles.Write(partition, directory);
            env.Console.Write(PlanTables.Slices(partition.Plan));
            env.Console.MarkupLine($"Wrote {partition.Slices.Count} slices and [bold]{Markup.Escape(planPath)}[/].");
            if (result.GetValue(deploy) is { } pipeline)
            {
                using var client = env.Global.CreateClient(result);
                for (var i = 0; i < partition.Slices.Count; i++)
                {
                    var function = PartitionFiles.FunctionName(pipeline, i + 1);
                    await client.DeployAsync(function, partition.Slices[i], [new("file", partition.Plan.Slices[i].File)], token);
                    env.Console.MarkupLine($"[green]Deployed[/] {Markup.Escape(function)}.");
                }

                var spec = PartitionFiles.WriteSequenceSpec(partition.Plan, pipeline, directory);
                await client.DeployPipelineAsync(pipeline, await File.ReadAllTextAsync(spec, token), token);
                env.Console.MarkupLine($"[green]Deployed[/] the sequence pipeline {Markup.Escape(pipeline)} over them (spec in [bold]{Markup.Escape(spec)}[/]): invoke it as one model.");
            }

            return 0;
        }));
        return command;
    }

    private static Dictionary<string, long> NamedDims(string[]? pairs)
    {
        var named = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            if (!OptionRules.TrySplit(pair, out var key, out var value) || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size < 1)
            {
                throw new CliException($"--dim {pair}: expected NAME=SIZE with a whole SIZE of at least 1.", 2);
            }

            named[key] = size;
        }

        return named;
    }
}
