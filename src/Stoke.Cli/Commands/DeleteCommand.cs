using System.CommandLine;
using Spectre.Console;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke delete</c>: removes a function and all its versions.</summary>
public static class DeleteCommand
{
    public static Command Create(CliEnvironment env)
    {
        var name = new Argument<string>("NAME") { Description = "Function to delete (all versions)." };
        var command = new Command("delete", "Delete a function: stop its instances and remove every version.") { name };
        command.SetAction((result, ct) => env.RunAsync(result, ct, async (client, token) =>
        {
            var reply = await client.DeleteAsync(result.GetValue(name)!, token);
            var versions = reply["versions"]?.AsArray().Select(v => v?.ToString()) ?? [];
            env.Console.MarkupLine($"[green]Deleted[/] {Markup.Escape(result.GetValue(name)!)} (versions {Markup.Escape(string.Join(", ", versions))}).");
            return 0;
        }));
        return command;
    }
}
