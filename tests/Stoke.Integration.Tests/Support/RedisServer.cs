using System.Diagnostics;
using System.Net.Sockets;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A real redis-server on a free loopback port, started by the test and stopped by its PID, by default without
/// persistence: a restart brings it back empty, as a production Redis without RDB/AOF would. A persistent one keeps an
/// append-only file synced on every write, so a killed server comes back with everything it acknowledged. CI installs
/// Redis with apt (.ci/run); without it the cluster tests fail with a message saying so.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _exe;
    private readonly string _dir;
    private readonly bool _persistent;
    private Process? _process;

    private RedisServer(string exe, int port, string dir, bool persistent)
    {
        _exe = exe;
        Port = port;
        _dir = dir;
        _persistent = persistent;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="persistent">Keep an append-only file (<c>appendfsync always</c>), so <see cref="StartAgainAsync"/> after
    /// <see cref="KillAsync"/> brings the data back.</param>
    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        var exe = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run 'apt-get install -y redis-server' (.ci/run does).");
        var server = new RedisServer(exe, FreePorts.Next(), Directory.CreateTempSubdirectory("stoke-redis-").FullName, persistent);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the server by its PID; what it held is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Kills the server and starts a new, empty one on the same port.</summary>
    public async Task RestartEmptyAsync()
    {
        await KillAsync();
        await StartProcessAsync();
    }

    /// <summary>Starts the server again on the same port and folder (after <see cref="KillAsync"/>): with its data when persistent.</summary>
    public Task StartAgainAsync() => _process is null ? StartProcessAsync() : throw new InvalidOperationException("redis-server is still running.");

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task StartProcessAsync()
    {
        var persistence = _persistent ? "--appendonly yes --appendfsync always" : "--appendonly no";
        _process = Process.Start(new ProcessStartInfo(_exe, $"--port {Port} --bind 127.0.0.1 --save \"\" {persistence} --dir {_dir}")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await KillAsync();
        throw new InvalidOperationException($"redis-server did not start listening on port {Port}.");
    }
}
