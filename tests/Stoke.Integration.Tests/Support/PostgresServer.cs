using System.Diagnostics;
using System.Text;
using Npgsql;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A real PostgreSQL server for one test: <c>initdb</c> into a temporary folder, <c>postgres</c> on a free loopback
/// port as a child process (TCP only, no fsync), a database <c>stoke</c>; stopped by its PID and the folder deleted.
/// As root it runs as the <c>postgres</c> user (initdb refuses root). CI installs PostgreSQL with apt (.ci/run);
/// without it the tests fail with a message saying so.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string Database = "stoke";
    public const string User = "stoke";

    private readonly string _bin;
    private readonly string _root;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private PostgresServer(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database={Database};Username={User}";

    /// <summary>What the server printed, for assertion messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private string DataDirectory => Path.Combine(_root, "data");

    public static async Task<PostgresServer> StartAsync()
    {
        // A free port can be taken by another process between the check and postgres' bind (another suite on the
        // machine): try another one rather than fail the test for it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortAsync();
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<PostgresServer> StartOnFreePortAsync()
    {
        var bin = FindBinaries();
        var root = Directory.CreateTempSubdirectory("stoke-pg-").FullName;
        // The server runs as 'postgres' when the tests run as root: let it create its data folder here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111);
        }

        var server = new PostgresServer(bin, root, FreePorts.Next());
        try
        {
            await server.RunToEndAsync("initdb", $"-D {server.DataDirectory} -U {User} -A trust -E UTF8 --no-sync --no-instructions");
            await server.StartServerAsync();
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Database=postgres;Username={User};Pooling=false");
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await create.ExecuteNonQueryAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates another empty database on this server (tests that share one server each take their own) and
    /// returns its connection string.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Database=postgres;Username={User};Pooling=false");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={Port};Database={name};Username={User}";
    }

    /// <summary>Stops the server by its PID (fast shutdown), keeping its data.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the server again on the same port and data, after <see cref="StopAsync"/>.</summary>
    public Task StartAgainAsync() => _process is { HasExited: false } ? throw new InvalidOperationException("postgres is still running.") : StartServerAsync();

    /// <summary>Starts the server again on the same port and data.</summary>
    public Task RestartAsync() => StopAsync().ContinueWith(_ => StartServerAsync(), TaskScheduler.Default).Unwrap();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartServerAsync()
    {
        _process?.Dispose();
        _process = Spawn("postgres", $"-D {DataDirectory} -p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c full_page_writes=off");
        for (var i = 0; i < 200; i++)
        {
            if (_process.HasExited)
            {
                break;
            }

            try
            {
                await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Database=postgres;Username={User};Pooling=false;Timeout=2");
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"postgres did not start on port {Port}:\n{Log}");
    }

    private async Task RunToEndAsync(string tool, string arguments)
    {
        using var process = Spawn(tool, arguments);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {arguments} exited with {process.ExitCode}:\n{Log}");
        }
    }

    private Process Spawn(string tool, string arguments)
    {
        var exe = Path.Combine(_bin, tool);
        // setpriv execs in place, so the PID we hold is the server's own, not a wrapper's.
        var info = Environment.UserName == "root"
            ? new ProcessStartInfo("setpriv", $"--reuid=postgres --regid=postgres --init-groups -- {exe} {arguments}")
            : new ProcessStartInfo(exe, arguments);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [];
        var installed = versions.Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "postgres")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0);
        return installed.FirstOrDefault()
            ?? throw new InvalidOperationException(
                "PostgreSQL's server binaries (initdb, postgres under /usr/lib/postgresql/VERSION/bin) are not installed: run 'apt-get install -y postgresql' (.ci/run does).");
    }
}
