using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Stoke.Client;

namespace Stoke.Benchmarks.Support;

/// <summary>
/// Sends pre-encoded Open Inference Protocol bodies to one node over loopback HTTP/1.1 with pooled connections, so
/// the client adds as little as it can to the figure; management calls go through <see cref="StokeClient"/>.
/// </summary>
internal sealed class InferClient : IDisposable
{
    private readonly HttpClient _http;

    public InferClient(Uri server)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromMinutes(2),
        };
        Management = new StokeClient(server);
    }

    public StokeClient Management { get; }

    /// <summary>One infer call; returns the response (body read to the end) for the caller to check.</summary>
    public async Task<HttpResponseMessage> InferAsync(string function, byte[] body, int? binaryHeaderLength, CancellationToken cancellationToken = default)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(binaryHeaderLength is null ? "application/json" : "application/octet-stream");
        if (binaryHeaderLength is { } length)
        {
            content.Headers.Add("Inference-Header-Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{function}/infer") { Content = content };
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return response;
    }

    /// <summary>Infers and throws unless the answer is 200, for warm-ups and checks.</summary>
    public async Task<HttpResponseMessage> InferOkAsync(string function, byte[] body, int? binaryHeaderLength, CancellationToken cancellationToken = default)
    {
        var response = await InferAsync(function, body, binaryHeaderLength, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new InvalidOperationException($"Infer on {function} answered {(int)response.StatusCode}: {text}");
        }

        return response;
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>Ready instances of <paramref name="function"/> on any node, from <c>GET /api/status</c>.</summary>
    public async Task<int> InstancesAsync(string function, CancellationToken cancellationToken = default)
    {
        var status = await Management.StatusAsync(cancellationToken);
        var count = 0;
        foreach (var node in status["nodes"]?.AsArray() ?? [])
        {
            foreach (var instance in node?["instances"]?.AsArray() ?? [])
            {
                var key = instance?["functionKey"]?.GetValue<string>() ?? "";
                if (key == function || key.EndsWith("/" + function, StringComparison.Ordinal))
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>Polls the status API until the function has no instance left (scaled to zero).</summary>
    public async Task WaitForZeroAsync(string function, TimeSpan within, CancellationToken cancellationToken = default)
    {
        var until = DateTime.UtcNow + within;
        while (await InstancesAsync(function, cancellationToken) > 0)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"{function} did not scale to zero within {within.TotalSeconds} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Deploys a model with the given deploy query settings.</summary>
    public Task<JsonNode> DeployAsync(string function, byte[] model, params (string Key, string Value)[] settings) =>
        Management.DeployAsync(function, model, settings.ToDictionary(s => s.Key, s => s.Value));

    public void Dispose()
    {
        _http.Dispose();
        Management.Dispose();
    }
}
