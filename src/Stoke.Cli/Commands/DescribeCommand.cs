using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stoke.Cli.Rendering;
using Stoke.Gateway.Management;
using Stoke.Runtime.Grains;
using Stoke.Abstractions.Functions;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke describe</c>: a function's spec, versions, instances and recent scaling decisions.</summary>
public static class DescribeCommand
{
    public static Command Create(CliEnvironment env)
    {
        var name = new Argument<string>("NAME") { Description = "Function name." };
        var command = new Command("describe", "Show a function's spec, versions, instances and why it scaled.") { name };
        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            var description = Api.Read<FunctionDescription>(await client.DescribeAsync(result.GetValue(name)!, token));
            env.Console.Write(SpecTables.Summary(description.Latest));
            env.Console.Write(SpecTables.Signature(description.Latest.Signature));
            if (description.Latest.Engine == FunctionSpec.PipelineEngine)
            {
                DeployPipelineCommand.Render(env.Console, await client.DescribePipelineAsync(description.Latest.Name, token));
            }

            var versions = new Table().Border(TableBorder.Rounded).Title("versions").AddColumns("version", "artifact", "size", "created");
            foreach (var v in description.Versions)
            {
                versions.AddRow(v.Version.ToString(CultureInfo.InvariantCulture), Markup.Escape(v.Artifact.Sha256[..Math.Min(12, v.Artifact.Sha256.Length)]), Fmt.Bytes(v.Artifact.SizeBytes), v.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            env.Console.Write(versions);
            foreach (var status in description.Status)
            {
                env.Console.Write(Instances(status));
                if (status.Shadow is { } shadow)
                {
                    env.Console.Write(Shadow(status.Version, shadow));
                }

                if (status.RecentDecisions.Length > 0)
                {
                    env.Console.Write(Decisions(status));
                }
            }

            return 0;
        }));
        return command;
    }

    private static Table Instances(FunctionStatus status)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"version {status.Version}: {status.Instances.Length} instance(s), desired {status.DesiredInstances}, held {status.Held}, {Fmt.Int(status.Requests)} requests")
            .AddColumns("instance", "phase", "node", "in flight", "queue", "memory", "uses", "last used", "cold start (tier: fetch + session + first run)");
        foreach (var i in status.Instances)
        {
            var cold = i.ColdStart is { } c
                ? $"{c.Tier}: {Fmt.Ms(c.FetchMs)} + {Fmt.Ms(c.SessionCreateMs)} + {Fmt.Ms(c.FirstRunMs)} = {Fmt.Ms(c.TotalMs)} ms"
                : "-";
            table.AddRow(
                Markup.Escape(i.InstanceId),
                i.Phase.ToString().ToLowerInvariant(),
                Markup.Escape(i.NodeId),
                i.InFlight.ToString(CultureInfo.InvariantCulture),
                i.QueueDepth.ToString(CultureInfo.InvariantCulture),
                Fmt.Bytes(i.MemoryBytes),
                Fmt.Int(i.Uses),
                Fmt.Time(i.LastUsed),
                Markup.Escape(cold));
        }

        return table;
    }

    // The shadow policies beside the live ones: what each would run and what it cost or saved.
    private static Table Shadow(int version, ShadowStatus shadow)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"version {version}: shadow {Markup.Escape(shadow.Autoscaler)} / {Markup.Escape(shadow.KeepAlive)} (deciding nothing)")
            .AddColumns("", "instances now", "instance-hours", "instance starts", "requests with no ready instance");
        table.AddRow("live", shadow.LiveInstances.ToString(CultureInfo.InvariantCulture), Fmt.Num(shadow.LiveInstanceHours, "0.000"), Fmt.Int(shadow.LiveInstanceStarts), Fmt.Int(shadow.LiveColdArrivals));
        table.AddRow("shadow", shadow.Instances.ToString(CultureInfo.InvariantCulture), Fmt.Num(shadow.InstanceHours, "0.000"), Fmt.Int(shadow.InstanceStarts), Fmt.Int(shadow.ColdArrivals));
        table.Caption(Markup.Escape("shadow's last decision: " + shadow.Reason));
        return table;
    }

    private static Table Decisions(FunctionStatus status)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"version {status.Version}: recent scaling decisions").AddColumns("at", "decision", "why");
        foreach (var d in status.RecentDecisions)
        {
            table.AddRow(Fmt.Time(d.At), Markup.Escape(d.Kind), Markup.Escape(d.Detail));
        }

        return table;
    }
}
