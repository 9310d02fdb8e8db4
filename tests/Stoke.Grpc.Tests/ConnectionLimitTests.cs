using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Gateway.Grpc.Hosting;
using Stoke.Gateway.Hosting;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>
/// The gRPC listener bounds its connections and cuts idle ones as the REST gateway does (docs/api.md, "Connections"),
/// instead of Kestrel's defaults (no cap, 130 s keep-alive). Each test starts its own node with its own limits.
/// </summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task ConnectionsPastTheCapAreClosedAtOnceAndAFreedSlotServesAgain()
    {
        await using var node = await Node.StartAsync(maxConnections: 2, idle: TimeSpan.FromMinutes(1));
        var held = new[] { await ConnectAsync(node.Grpc), await ConnectAsync(node.Grpc) };
        using var excess = await ConnectAsync(node.Grpc);

        Assert.True(await ClosedByPeerAsync(excess, TimeSpan.FromSeconds(10)), "a third connection past a cap of 2 stayed open");
        var refused = await Assert.ThrowsAsync<RpcException>(() => LiveAsync(node.Grpc));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);

        held[0].Dispose();
        Assert.True(await Eventually(() => LiveAsync(node.Grpc), TimeSpan.FromSeconds(10)), "a call on a freed slot was not served");
        held[1].Dispose();
    }

    [Fact]
    public async Task AnIdleConnectionIsCutAtTheGatewaysTimeouts()
    {
        await using var node = await Node.StartAsync(maxConnections: 100, idle: TimeSpan.FromSeconds(2));
        using var idle = await ConnectAsync(node.Grpc);

        // Kestrel's own HTTP/2 defaults would keep it for 130 s.
        Assert.True(await ClosedByPeerAsync(idle, TimeSpan.FromSeconds(15)), "an idle gRPC connection outlived the gateway's 2 s keep-alive and header timeouts by 13 s");
        Assert.True(await LiveAsync(node.Grpc), "the listener did not serve after cutting the idle connection");
    }

    private static async Task<bool> LiveAsync(Uri grpc)
    {
        using var channel = GrpcChannel.ForAddress(grpc);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        return (await client.ServerLiveAsync(new ServerLiveRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(5))).Live;
    }

    private static async Task<bool> Eventually(Func<Task<bool>> call, TimeSpan within)
    {
        using var patience = new CancellationTokenSource(within);
        while (!patience.IsCancellationRequested)
        {
            try
            {
                if (await call())
                {
                    return true;
                }
            }
            catch (RpcException)
            {
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, CancellationToken.None);
        }

        return false;
    }

    private static async Task<Socket> ConnectAsync(Uri url)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port));
        return socket;
    }

    private static async Task<bool> ClosedByPeerAsync(Socket socket, TimeSpan within)
    {
        using var patience = new CancellationTokenSource(within);
        var buffer = new byte[256];
        try
        {
            // An HTTP/2 server may send its SETTINGS or a GOAWAY before closing: read until the end of the stream.
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed class Node(IHost host, string data) : IAsyncDisposable
    {
        public Uri Grpc => host.Services.GetRequiredService<GrpcGatewayExtension>().Address!;

        public static async Task<Node> StartAsync(long maxConnections, TimeSpan idle)
        {
            var data = Path.Combine(Path.GetTempPath(), "stoke-grpc-limits-" + Guid.NewGuid().ToString("N")[..8]);
            var host = StokeHost.Create(new StokeHostSettings
            {
                Url = "http://127.0.0.1:0",
                DataDirectory = data,
                SiloPort = GrpcStoke.FreePort(),
                GatewayPort = GrpcStoke.FreePort(),
                ClusterId = "grpc-limits-" + Guid.NewGuid().ToString("N")[..8],
                ConfigureGateway = g =>
                {
                    g.KeepAliveTimeout = idle;
                    g.RequestHeadersTimeout = idle;
                },
                ConfigureServices = s => s.AddStokeGrpc(o =>
                {
                    o.Url = "http://127.0.0.1:0";
                    o.MaxConnections = maxConnections;
                }),
            });
            await host.StartAsync();
            return new Node(host, data);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
