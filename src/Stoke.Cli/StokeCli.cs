using System.CommandLine;
using Spectre.Console;
using Stoke.Cli.Commands;

namespace Stoke.Cli;

/// <summary>Builds the <c>stoke</c> command tree; tests build it with their own console to read what it prints.</summary>
public static class StokeCli
{
    /// <summary>Parser settings: <c>@FILE</c> is an option value (<c>--input @request.json</c>), not a response file.</summary>
    public static ParserConfiguration Parser { get; } = new() { ResponseFileTokenReplacer = null };

    /// <summary>The root command with every subcommand, writing to <paramref name="console"/>.</summary>
    public static RootCommand Create(IAnsiConsole? console = null)
    {
        var env = new CliEnvironment(console ?? AnsiConsole.Console);
        var root = new RootCommand("Stoke: serverless inference for .NET. Start with `stoke demo`.");
        env.Global.AddTo(root);
        root.Subcommands.Add(DemoCommand.Create(env));
        root.Subcommands.Add(ServeCommand.Create(env));
        root.Subcommands.Add(DeployCommand.Create(env));
        root.Subcommands.Add(DeployPipelineCommand.Create(env));
        root.Subcommands.Add(ListCommand.Create(env));
        root.Subcommands.Add(DescribeCommand.Create(env));
        root.Subcommands.Add(DeleteCommand.Create(env));
        root.Subcommands.Add(InvokeCommand.Create(env));
        root.Subcommands.Add(UsageCommand.Create(env));
        root.Subcommands.Add(StatusCommand.Create(env));
        root.Subcommands.Add(SimCommand.Create(env));
        root.Subcommands.Add(PartitionCommand.Create(env));
        root.Subcommands.Add(VerifyCommand.Create(env));
        return root;
    }

    /// <summary>How long a cancelled command may take to finish: a node's graceful stop (the host's own limit is 30 s).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Parses and runs <paramref name="args"/>; parse errors go to <paramref name="error"/> (stderr by default).</summary>
    public static Task<int> InvokeAsync(string[] args, IAnsiConsole? console = null, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        // Ctrl+C and SIGTERM cancel the command; System.CommandLine then ends the process after this long. Its default
        // (2 s) cut `stoke serve` off before its silo left the cluster, so the others waited to declare it dead.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = ShutdownTimeout };
        if (output is not null)
        {
            configuration.Output = output;
        }

        if (error is not null)
        {
            configuration.Error = error;
        }

        return Create(console).Parse(args, Parser).InvokeAsync(configuration, cancellationToken);
    }
}
