using Spectre.Console;

namespace Stoke.Cli.Tests.Support;

/// <summary>Runs the <c>stoke</c> command in-process with a plain, wide, non-interactive console and captures what it prints.</summary>
public static class CliRun
{
    public static async Task<(int ExitCode, string Output)> InvokeAsync(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 250;
        var code = await StokeCli.InvokeAsync(args, console, writer, writer);
        return (code, writer.ToString());
    }
}
