using System.Net.Sockets;
using System.Text;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>
/// A client that declares a large body and sends almost nothing (on several connections) must not make the node
/// allocate the declared sizes up front: memory follows the bytes that arrive. It counts the process's allocations,
/// so it runs alone.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class DeclaredLengthTests : IAsyncLifetime
{
    private const int Connections = 4;
    private const long Declared = 30L << 20; // under the 32 MiB default limit, so it is read, not refused

    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task LargeDeclaredBodiesThatDoNotArriveAllocateLittle()
    {
        var clients = new List<TcpClient>();
        try
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < Connections; i++)
            {
                var client = new TcpClient();
                clients.Add(client);
                await client.ConnectAsync(_node.Address.Host, _node.Address.Port);
                var head = $"POST /v2/models/anything/infer HTTP/1.1\r\nHost: {_node.Address.Authority}\r\nContent-Type: application/json\r\nContent-Length: {Declared}\r\n\r\n{{\"inputs\":";
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
            }

            // The server has read the headers and the first bytes of each body and waits for the rest.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

            Assert.True(allocated < Connections * Declared / 3, $"{allocated >> 20} MiB allocated for {Connections} bodies that sent 10 bytes each (declared {Declared >> 20} MiB each)");
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        // The node still serves others.
        using var http = new HttpClient { BaseAddress = _node.Address };
        Assert.True((await http.GetAsync("v2/health/live")).IsSuccessStatusCode);
    }
}
