using System.Diagnostics;
using System.Reflection;

namespace Stoke.Cli.Tests.Support;

/// <summary>
/// The <c>stoke</c> tool as a user gets it: <c>dotnet pack src/Stoke.Cli</c> of this solution's own build into a temporary
/// folder, then <c>dotnet tool install --tool-path</c> from that folder alone (a nuget.config with no other source, and a
/// package cache of its own, so nothing is fetched and nothing stale is reused).
/// </summary>
public sealed class ToolPackage : IAsyncLifetime
{
    public const string Version = "0.0.1-test";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "stoke-tool-test-" + Guid.NewGuid().ToString("N")[..8]);

    public string Packages => Path.Combine(Root, "nupkg");

    /// <summary>The installed command: TOOLPATH/stoke.</summary>
    public string Stoke => Path.Combine(Root, "tools", "stoke");

    /// <summary>The solution folder (where Stoke.slnx is), found above this test assembly.</summary>
    public static string SolutionRoot { get; } = FindSolution();

    /// <summary>The configuration this assembly was built in: <c>--no-build</c> packs that build of the projects.</summary>
    public static string Configuration { get; } =
        typeof(ToolPackage).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        await PackAsync("src/Stoke.Cli/Stoke.Cli.csproj");
        var config = Path.Combine(Root, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Packages}" />
              </packageSources>
            </configuration>
            """);
        await RunAsync("dotnet", ["tool", "install", "--tool-path", Path.Combine(Root, "tools"), "--configfile", config, "stoke", "--version", Version]);
    }

    /// <summary><c>dotnet pack PROJECT --no-build</c> into <see cref="Packages"/>; returns the .nupkg's path.</summary>
    public async Task<string> PackAsync(string project)
    {
        await RunAsync("dotnet", ["pack", Path.Combine(SolutionRoot, project), "-c", Configuration, "--no-build", "--no-restore", "-o", Packages, $"-p:PackageVersion={Version}"]);
        var id = Path.GetFileNameWithoutExtension(project) == "Stoke.Cli" ? "stoke" : Path.GetFileNameWithoutExtension(project);
        return Path.Combine(Packages, $"{id}.{Version}.nupkg");
    }

    /// <summary>Runs a command to its end (bounded by <see cref="StepTimeout"/>) and returns what it printed; a non-zero exit throws with that output.</summary>
    public async Task<string> RunAsync(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["NUGET_PACKAGES"] = Path.Combine(Root, "packages");
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} ran past {StepTimeout.TotalMinutes} min:\n{await stdout}{await stderr}");
        }

        var output = await stdout + await stderr;
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:\n{output}");
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    private static string FindSolution()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stoke.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Stoke.slnx above {AppContext.BaseDirectory}.");
    }
}
