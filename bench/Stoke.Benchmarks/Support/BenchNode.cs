using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Gateway.Grpc.Hosting;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Hosting;

namespace Stoke.Benchmarks.Support;

/// <summary>
/// A real Stoke node started in this process (Orleans silo with localhost clustering, Kestrel on a loopback port),
/// with its state in a temporary folder that goes when the node does.
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _dataDirectory;
    private readonly Uri? _grpcAddress;

    private BenchNode(IHost host, string dataDirectory, Uri address, Uri? grpcAddress)
    {
        _host = host;
        _dataDirectory = dataDirectory;
        Address = address;
        _grpcAddress = grpcAddress;
    }

    public Uri Address { get; }

    /// <summary>The node's data folder (its state files and artifact repository), removed when the node goes.</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>The node's OIP gRPC listener (a free loopback port), when started with one.</summary>
    public Uri GrpcAddress => _grpcAddress ?? throw new InvalidOperationException("This bench node was started without its gRPC listener.");

    /// <param name="grpc">Also start the OIP gRPC listener (off for the footprint benchmark, whose figure it would change).</param>
    /// <param name="settings">Host settings as <c>stoke serve</c> reads them (<c>--Stoke:Receipts:Enabled=false</c>).</param>
    /// <param name="services">Extra services of the node's host (a counting <see cref="TimeProvider"/>).</param>
    /// <param name="gateway">More gateway settings (API keys of several tenants).</param>
    /// <param name="dataDirectory">The data folder of a node that ran before (a restart); a new temporary one by default.</param>
    public static async Task<BenchNode> StartAsync(
        Action<StokeNodeOptions>? node = null, string url = "http://127.0.0.1:0", bool grpc = false, string[]? settings = null, Action<IServiceCollection>? services = null,
        Action<GatewayOptions>? gateway = null, string? dataDirectory = null)
    {
        var data = dataDirectory ?? Path.Combine(Path.GetTempPath(), "stoke-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var host = StokeHost.Create(new StokeHostSettings
        {
            Url = url,
            DataDirectory = data,
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            ClusterId = "bench-" + Guid.NewGuid().ToString("N")[..8],
            ConfigureNode = o =>
            {
                o.ControlInterval = TimeSpan.FromMilliseconds(250);
                node?.Invoke(o);
            },
            ConfigureGateway = g =>
            {
                g.MaxRequestBodyBytes = 64 << 20;
                gateway?.Invoke(g);
            },
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Error,
            ConfigureServices = s =>
            {
                services?.Invoke(s);
                if (grpc)
                {
                    s.AddStokeGrpc(o => o.Url = "http://127.0.0.1:0");
                }
            },
        }, settings);
        await host.StartAsync();
        return new BenchNode(
            host, data, host.Services.GetRequiredService<GatewayServer>().Address!, host.Services.GetService<GrpcGatewayExtension>()?.Address);
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires (the footprint benchmark's child process).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _host.WaitForShutdownAsync(cancellationToken);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
