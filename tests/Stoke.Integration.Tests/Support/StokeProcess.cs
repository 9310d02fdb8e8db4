using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// The real <c>stoke serve</c> as a child process (<c>dotnet stoke.dll serve ...</c> from the solution's own Cli build)
/// on free loopback ports. Everything it prints is kept for assertion messages; it is stopped by its own PID, with
/// SIGTERM (<see cref="StopAsync"/>) or SIGKILL (<see cref="KillHard"/>).
/// </summary>
public sealed class StokeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private StokeProcess(Process process, Uri url, int siloPort)
    {
        _process = process;
        Url = url;
        SiloPort = siloPort;
    }

    /// <summary>The gateway's address.</summary>
    public Uri Url { get; }

    /// <summary>The Orleans silo port it was given (<c>--silo-port</c>): its row in the membership table.</summary>
    public int SiloPort { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The Cli build beside this test assembly's: src/Stoke.Cli/bin/CONFIGURATION/TFM/stoke.dll of the same solution.</summary>
    public static string CliPath { get; } = FindCli();

    /// <summary>Starts <c>stoke serve ARGS</c> with a gateway, silo and Orleans gateway port of its own, and waits until
    /// its gateway answers <c>/v2/health/live</c>.</summary>
    public static async Task<StokeProcess> StartAsync(IEnumerable<string> serveArguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var stoke = Launch(serveArguments, environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < until)
        {
            if (stoke.HasExited)
            {
                throw new InvalidOperationException($"stoke serve exited with {stoke._process.ExitCode} before its gateway answered:\n{stoke.Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(stoke.Url, "/v2/health/live"));
                if (response.IsSuccessStatusCode)
                {
                    return stoke;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await stoke.DisposeAsync();
        throw new TimeoutException($"stoke serve did not answer /v2/health/live within {StartTimeout.TotalSeconds} s:\n{stoke.Output}");
    }

    /// <summary>Runs <c>stoke serve ARGS</c> that is expected to refuse to start, and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> serveArguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var stoke = Launch(serveArguments, environment);
        using var patience = new CancellationTokenSource(StartTimeout);
        try
        {
            await stoke._process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"stoke serve was expected to exit but still runs after {StartTimeout.TotalSeconds} s:\n{stoke.Output}");
        }

        return (stoke._process.ExitCode, stoke.Output);
    }

    /// <summary>SIGTERM, as an orchestrator stops a node; waits for a graceful exit and returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? within = null)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var patience = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                KillHard();
                throw new TimeoutException($"stoke serve (pid {Id}) did not stop within {(within ?? TimeSpan.FromSeconds(30)).TotalSeconds} s of SIGTERM:\n{Output}");
            }
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the node dies without leaving the cluster, as on a crash or a lost machine.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        KillHard();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    public override string ToString() => $"stoke serve pid {Id} at {Url}";

    private static StokeProcess Launch(IEnumerable<string> serveArguments, IReadOnlyDictionary<string, string>? environment)
    {
        var url = new Uri($"http://127.0.0.1:{FreePorts.Next()}");
        var siloPort = FreePorts.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { CliPath, "serve", "--url", url.ToString().TrimEnd('/'), "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture), "--gateway-port", Port() }.Concat(serveArguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var stoke = new StokeProcess(process, url, siloPort);
        process.OutputDataReceived += (_, e) => stoke.Append(e.Data);
        process.ErrorDataReceived += (_, e) => stoke.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return stoke;

        static string Port() => FreePorts.Next().ToString(CultureInfo.InvariantCulture);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string FindCli()
    {
        // This assembly sits in tests/Stoke.Integration.Tests/bin/CONFIGURATION/TFM/; the Cli builds to the same pair.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = typeof(StokeProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? here.Parent?.Name ?? "Release";
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stoke.slnx")))
            {
                var cli = Path.Combine(dir.FullName, "src", "Stoke.Cli", "bin", configuration, tfm, "stoke.dll");
                return File.Exists(cli)
                    ? cli
                    : throw new FileNotFoundException($"The stoke CLI is not built at {cli}: build the solution (dotnet build Stoke.slnx -c {configuration}).", cli);
            }
        }

        throw new DirectoryNotFoundException($"No Stoke.slnx above {AppContext.BaseDirectory}: cannot find the stoke CLI build.");
    }
}
