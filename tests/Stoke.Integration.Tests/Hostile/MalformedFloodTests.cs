using System.Net;
using System.Net.Sockets;
using System.Text;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>
/// Bodies nested far deeper than any real request, and header floods, on a real node: each is answered with a clear
/// 4xx at once (no stack overflow, no 500, no hang), and the node goes on serving a well-formed request.
/// </summary>
public sealed class MalformedFloodTests : IAsyncLifetime
{
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData("/v2/models/cls-deep/infer")]
    [InlineData("/api/pipelines/deep")]
    public async Task ADeeplyNestedBodyIsA400AndTheNodeServesOn(string path)
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-deep", TestModels.Classifier);
        using var http = new HttpClient { BaseAddress = _node.Address };
        const int depth = 100_000;
        var body = "{\"inputs\":" + new string('[', depth) + new string(']', depth) + "}";

        using var response = await http.PostAsync(path.TrimStart('/'), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        var served = await client.InferAsync("cls-deep", TestModels.ClassifierJson());

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("error", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, served.Status);
    }

    [Fact]
    public async Task AThousandHeadersAreRefusedWith431AndTheNodeServesOn()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-headers", TestModels.Classifier);
        var request = new StringBuilder("POST /v2/models/cls-headers/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n");
        for (var i = 0; i < 1000; i++)
        {
            request.Append("X-Flood-").Append(i).Append(": ").Append('x', 64).Append("\r\n");
        }

        request.Append("\r\n");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_node.Address.Host, _node.Address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        var reply = await ReadStatusLineAsync(stream);
        var served = await client.InferAsync("cls-headers", TestModels.ClassifierJson());

        Assert.StartsWith("HTTP/1.1 431", reply, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.Status);
    }

    [Fact]
    public async Task ASlowLorisBodyIsCutOffWhileTheNodeServesOthers()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-slow", TestModels.Classifier);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_node.Address.Host, _node.Address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v2/models/cls-slow/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"));

        // One byte a second, far below Kestrel's minimum body rate (240 bytes/s after a 5 s grace period).
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        var cut = false;
        while (!cut && time.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time);
            try
            {
                await stream.WriteAsync(" "u8.ToArray());
                cut = tcp.Client.Poll(0, SelectMode.SelectRead) && (tcp.Available > 0 || !tcp.Connected || tcp.Client.Receive(new byte[1], SocketFlags.Peek) == 0);
            }
            catch (IOException)
            {
                cut = true;
            }
        }

        var served = await client.InferAsync("cls-slow", TestModels.ClassifierJson());

        Assert.True(cut, "the slow body was still being read after 30 s");
        Assert.Equal(HttpStatusCode.OK, served.Status);
    }

    private static async Task<string> ReadStatusLineAsync(NetworkStream stream)
    {
        var buffer = new byte[256];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            if (n == 0)
            {
                break;
            }

            read += n;
            if (Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
