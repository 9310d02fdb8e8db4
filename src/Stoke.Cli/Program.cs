using Spectre.Console;
using Stoke.Cli;

// Redirected output (CI logs, files) has no terminal width; 80 columns would fold every table.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Console.Profile.Width = 200;
}

return await StokeCli.InvokeAsync(args);
