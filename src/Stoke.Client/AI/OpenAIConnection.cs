using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Stoke.Client;

/// <summary>
/// The HTTP side of the Microsoft.Extensions.AI adapters: posts JSON to a node's <c>/v1</c> API, turns a refusal into a
/// <see cref="StokeClientException"/> with the server's message, and reads a server-sent event stream.
/// </summary>
internal sealed class OpenAIConnection : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    public OpenAIConnection(Uri endpoint, string? apiKey)
    {
        _http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(10) };
        _ownsHttp = true;
        if (apiKey is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    /// <summary>Uses a caller's client (its <see cref="HttpClient.BaseAddress"/> the node, its headers the auth); not disposed here.</summary>
    public OpenAIConnection(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the Stoke node's URL.", nameof(http));
        }

        _http = http;
    }

    public Uri Endpoint => _http.BaseAddress!;

    public async Task<JsonNode> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(path, body, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return JsonNode.Parse(text) ?? throw new InvalidDataException($"{path} answered an empty body.");
    }

    /// <summary>The <c>data:</c> payloads of a server-sent event stream, parsed, up to <c>[DONE]</c>.</summary>
    public async IAsyncEnumerable<JsonNode> StreamAsync(string path, JsonObject body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(path, body, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue; // blank separators, comments and other SSE fields
            }

            var data = line.AsSpan(5).Trim();
            if (data.SequenceEqual("[DONE]"))
            {
                yield break;
            }

            var node = JsonNode.Parse(data.ToString()) ?? throw new InvalidDataException($"{path} streamed an empty event.");
            if (node["error"] is not null)
            {
                throw StokeErrors.FromBody(response.StatusCode, node.ToJsonString());
            }

            yield return node;
        }

        throw new InvalidDataException($"{path} ended its stream without data: [DONE].");
    }

    private async Task<HttpResponseMessage> SendAsync(string path, JsonObject body, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        var response = await _http.SendAsync(request, completion, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw StokeErrors.FromBody(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
    }

    /// <summary>What an adapter's <c>GetService</c> answers: its metadata, or itself when asked for a type it is.</summary>
    public static object? Service(object adapter, object metadata, Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType.IsInstanceOfType(metadata) ? metadata
            : serviceType.IsInstanceOfType(adapter) ? adapter
            : null;
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
