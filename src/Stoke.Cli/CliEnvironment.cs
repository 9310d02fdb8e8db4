using System.CommandLine;
using System.Net.Http;
using Spectre.Console;
using Stoke.Client;
using Stoke.Simulator.Traces;

namespace Stoke.Cli;

/// <summary>What every command shares: the console it writes to, the global options, and one way of reporting failures.</summary>
public sealed class CliEnvironment(IAnsiConsole console)
{
    public IAnsiConsole Console { get; } = console;

    public GlobalOptions Global { get; } = new();

    /// <summary>True when live displays can redraw in place: an interactive terminal and not CI.</summary>
    public bool Interactive =>
        Console.Profile.Capabilities.Interactive
        && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs a command body against the server, turning the expected failures into a message and an exit code.</summary>
    public async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken, Func<StokeClient, CancellationToken, Task<int>> body)
    {
        using var client = Global.CreateClient(result);
        return await GuardAsync(Global.ServerOf(result), cancellationToken, ct => body(client, ct));
    }

    /// <summary>Runs a body that needs no client, with the same error reporting.</summary>
    public async Task<int> GuardAsync(Uri? server, CancellationToken cancellationToken, Func<CancellationToken, Task<int>> body)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (StokeClientException ex)
        {
            return Fail(ex.Message);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError && server is not null)
        {
            return Fail($"Cannot connect to {server}: is `stoke serve` running at {server}? ({ex.Message})");
        }
        catch (HttpRequestException ex)
        {
            return Fail($"Request to {server} failed: {ex.Message}");
        }
        catch (TraceFormatException ex)
        {
            return Fail(ex.Message, exitCode: 2);
        }
        catch (CliException ex)
        {
            return Fail(ex.Message, ex.ExitCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C ends long-running commands (serve, status --watch, demo); that is a normal exit.
            return 0;
        }
    }

    public int Fail(string message, int exitCode = 1)
    {
        Console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return exitCode;
    }
}

/// <summary>A user-facing failure with its exit code (1: bad use or server refusal, 2: bad input data).</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
