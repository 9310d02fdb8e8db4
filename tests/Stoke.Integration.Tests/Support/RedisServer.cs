using System.Diagnostics;
using System.Net.Sockets;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A real redis-server on a free loopback port, started by the test and stopped by its PID. CI installs Redis
/// with apt (.ci/run); without it the cluster tests fail with a message saying so.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private RedisServer(Process process, int port, string dir)
    {
        _process = process;
        Port = port;
        _dir = dir;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var exe = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run 'apt-get install -y redis-server' (.ci/run does).");
        var port = FreePorts.Next();
        var dir = Directory.CreateTempSubdirectory("stoke-redis-").FullName;
        var process = Process.Start(new ProcessStartInfo(exe, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {dir}")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var server = new RedisServer(process, port, dir);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await server.DisposeAsync();
        throw new InvalidOperationException($"redis-server did not start listening on port {port}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
