using System.Diagnostics;

namespace Stoke.Grpc.Tests.Support;

/// <summary>
/// The Node.js gRPC client in <c>NodeClient/</c> (copied beside the test assembly): installs <c>@grpc/grpc-js</c> and
/// <c>@grpc/proto-loader</c> with npm into that git-ignored folder on first use, then runs <c>infer.js</c>.
/// </summary>
public static class NodeClient
{
    private static readonly SemaphoreSlim Install = new(1, 1);

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "NodeClient");

    /// <summary>Runs <c>node infer.js</c> with <paramref name="arguments"/> and returns its standard output.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        await EnsureInstalledAsync();
        var (code, output, error) = await ExecAsync("node", ["infer.js", .. arguments], TimeSpan.FromMinutes(2));
        return code == 0 ? output : throw new InvalidOperationException($"node infer.js failed ({code}): {error}");
    }

    private static async Task EnsureInstalledAsync()
    {
        await Install.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(Folder, "node_modules", "@grpc", "grpc-js")))
            {
                return;
            }

            var (code, _, error) = await ExecAsync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], TimeSpan.FromMinutes(5));
            if (code != 0)
            {
                throw new InvalidOperationException($"npm install of the Node gRPC client failed ({code}): {error}");
            }
        }
        finally
        {
            Install.Release();
        }
    }

    private static async Task<(int Code, string Output, string Error)> ExecAsync(string file, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{file}' is not on PATH ({e.Message}): the gRPC interop test needs Node.js and npm to install @grpc/grpc-js (apt-get install nodejs npm).", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s.");
            }

            return (process.ExitCode, await output, await error);
        }
    }
}
