using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Stoke.Benchmarks.Soak;

/// <summary>
/// The soak's node: the real <c>stoke serve</c> (the Cli build of this solution) as a child process on free loopback
/// ports with its own data folder, its output appended to a log file. Stopped by its own PID.
/// </summary>
internal sealed class SoakNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _data;

    private SoakNode(Process process, StreamWriter log, string data, Uri address)
    {
        _process = process;
        _log = log;
        _data = data;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="cli">Path of <c>stoke.dll</c>; null finds the Cli build beside this one.</param>
    /// <param name="logPath">Where the node's stdout and stderr go.</param>
    public static async Task<SoakNode> StartAsync(string? cli, string logPath, CancellationToken cancellationToken = default)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var data = Path.Combine(Path.GetTempPath(), "stoke-soak-" + Guid.NewGuid().ToString("N")[..8]);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments =
        [
            cli ?? FindCli(), "serve", "--url", address.ToString().TrimEnd('/'), "--data", data, "--log-level", "Warning",
            "--silo-port", FreePort().ToString(CultureInfo.InvariantCulture), "--gateway-port", FreePort().ToString(CultureInfo.InvariantCulture),
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new SoakNode(process, log, data, address);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"stoke serve exited with {process.ExitCode} before it answered; see {logPath}.");
            }

            try
            {
                using var live = await http.GetAsync(new Uri(address, "v2/health/live"), cancellationToken);
                if (live.IsSuccessStatusCode)
                {
                    return node;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        await node.DisposeAsync();
        throw new TimeoutException($"stoke serve did not answer /v2/health/live within 90 s; see {logPath}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                if (log.BaseStream.CanWrite)
                {
                    log.WriteLine(line);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>src/Stoke.Cli/bin/CONFIGURATION/TFM/stoke.dll of the solution above this assembly.</summary>
    private static string FindCli()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = typeof(SoakNode).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stoke.slnx")))
            {
                var cli = Path.Combine(dir.FullName, "src", "Stoke.Cli", "bin", configuration, here.Name, "stoke.dll");
                return File.Exists(cli) ? cli : throw new FileNotFoundException($"The stoke CLI is not built at {cli}: dotnet build bench/Stoke.Benchmarks -c {configuration} builds it.", cli);
            }
        }

        throw new DirectoryNotFoundException($"No Stoke.slnx above {AppContext.BaseDirectory}: pass --stoke PATH/stoke.dll.");
    }
}
