using System.Net;
using System.Net.Sockets;
using System.Text;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>
/// Ten thousand connections held open on one real <c>stoke serve</c> (a child process, so its descriptors are its own
/// and countable), half idle and half stuck in their request's headers, with the node's default limits
/// (<see cref="GatewayOptions.MaxConnections"/> 10,000, headers within 10 s): the node holds them, closes the excess
/// at once, keeps answering a well-behaved client, cuts the stuck ones at its headers timeout, and gives every
/// descriptor back once the clients go.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class ConnectionFloodTests
{
    private const int Idle = 5_000;
    private const int Partial = 5_000;
    private const int Excess = 100;

    // Descriptors the node may still hold for the test's own closed connections (its start probe, the deploy) and
    // those it opens for itself while the test runs (logs, state files): slack on the counts, not on the behaviour.
    private const int Slack = 32;

    private static readonly byte[] PartialRequest = Encoding.ASCII.GetBytes("POST /v2/models/cls/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n");

    [Fact]
    public async Task TenThousandHeldConnectionsLeaveAWellBehavedClientServedTheExcessClosedAndNoDescriptorBehind()
    {
        Assert.True(OperatingSystem.IsLinux(), "This test counts the node's descriptors in /proc and sets RLIMIT_NOFILE: it runs on Linux (CI does).");
        var defaults = new GatewayOptions();
        var needed = Idle + Partial + Excess + ConnectionLimits.Reserve(defaults.MaxConnections) + 1024;
        var (soft, hard) = OpenFiles.RaiseTo(needed);
        Assert.True(soft >= needed,
            $"RLIMIT_NOFILE is {soft} (hard {hard}): {Idle + Partial + Excess:N0} connections need {needed:N0} open files in this process and about as many in the node. "
            + "Raise the hard limit (ulimit -Hn, LimitNOFILE=, docker --ulimit nofile=); this test does not pass at fewer connections.");

        await using var node = await StokeProcess.StartAsync([]);
        using (var deployer = new StokeClient(node.Url))
        {
            await deployer.DeployAsync("cls", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "600" });
        }

        // The well-behaved client: one pooled keep-alive connection, opened and warmed before the flood.
        using var good = new StokeClient(node.Url, handler: new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) });
        var warm = await good.InferAsync("cls", TestModels.ClassifierJson());
        Assert.True(warm.Status == HttpStatusCode.OK, warm.Text);
        var answer = warm.Json!["outputs"]![0]!["data"]!.ToJsonString();
        var before = OpenFiles.Count(node.Id);

        var sockets = new List<Socket>(Idle + Partial + Excess);
        try
        {
            sockets.AddRange(await ConnectAsync(node.Url, Idle, send: null));
            sockets.AddRange(await ConnectAsync(node.Url, Partial, PartialRequest));
            var held = OpenFiles.Count(node.Id) - before;
            var excess = await ConnectAsync(node.Url, Excess, send: null);
            sockets.AddRange(excess);
            var closed = await Task.WhenAll(excess.Select(ClosedByPeerAsync));

            var time = TimeProvider.System;
            var asked = time.GetTimestamp();
            var served = await good.InferAsync("cls", TestModels.ClassifierJson(), timeout: TimeSpan.FromSeconds(20));
            var took = time.GetElapsedTime(asked);

            Assert.True(held >= Idle + Partial - Slack, $"the node held {held} of {Idle + Partial} connections (it had {before} descriptors before them)");
            Assert.True(closed.All(c => c), $"{closed.Count(c => !c)} of {Excess} connections past the node's cap were still open after 10 s");
            Assert.True(served.Status == HttpStatusCode.OK, $"{(int)served.Status} {served.Text}");
            Assert.Equal(answer, served.Json!["outputs"]![0]!["data"]!.ToJsonString());
            Assert.True(took < TimeSpan.FromSeconds(10), $"the well-behaved request took {took.TotalSeconds:F1} s among {held} held connections");

            // The stuck requests are cut at the headers timeout; the idle connections stay (their keep-alive is 75 s).
            await Eventually.ReturnsAsync(() => Task.FromResult(OpenFiles.Count(node.Id)), n => n <= before + Idle + Slack,
                defaults.RequestHeadersTimeout + TimeSpan.FromSeconds(15), $"the node to cut {Partial} requests stuck in their headers");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        await Eventually.ReturnsAsync(() => Task.FromResult(OpenFiles.Count(node.Id)), n => n <= before + Slack, TimeSpan.FromSeconds(30),
            $"the node's descriptors to return near the {before} it had before the flood");
        using var fresh = new StokeClient(node.Url);
        var after = await fresh.InferAsync("cls", TestModels.ClassifierJson());
        Assert.Equal(HttpStatusCode.OK, after.Status);
    }

    // Connects count sockets, 256 at a time, each sending send (when not null) once connected. A connection the node
    // cut before its bytes went stays in the list, closed by its peer.
    private static async Task<Socket[]> ConnectAsync(Uri url, int count, byte[]? send)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, url.Port);
        using var gate = new SemaphoreSlim(256);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(endpoint);
                if (send is not null)
                {
                    try
                    {
                        await socket.SendAsync(send);
                    }
                    catch (SocketException)
                    {
                    }
                }

                return socket;
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    // True when the node closes (FIN) or resets the connection within 10 s without sending anything first.
    private static async Task<bool> ClosedByPeerAsync(Socket socket)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[256];
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token) == 0;
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
}
