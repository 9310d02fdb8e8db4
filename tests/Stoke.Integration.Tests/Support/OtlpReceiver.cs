using System.Collections.Concurrent;
using System.Net;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// An OTLP/HTTP endpoint on a loopback port that accepts every export (200, empty body) and keeps the raw protobuf
/// payloads by path (<c>/v1/traces</c>, <c>/v1/metrics</c>). Strings and ids are plain bytes in protobuf, so a test
/// can look for a span name or a trace id without decoding.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _posts = new();
    private readonly Task _loop;

    public OtlpReceiver()
    {
        var port = FreePorts.Next();
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    public IEnumerable<byte[]> Bodies(string path) => _posts.Where(p => p.Path == path).Select(p => p.Body);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            _posts.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
