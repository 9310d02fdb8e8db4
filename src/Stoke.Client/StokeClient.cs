using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Stoke.Client;

/// <summary>A thin client of Stoke's HTTP APIs (management and Open Inference Protocol), used by the CLI, demo and tests.</summary>
public sealed class StokeClient : IDisposable
{
    private readonly HttpClient _http;

    public StokeClient(Uri server, string? apiKey = null, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) : new HttpClient(handler);
        _http.BaseAddress = server;
        _http.Timeout = TimeSpan.FromMinutes(10);
        if (apiKey is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public Uri Server => _http.BaseAddress!;

    /// <summary>
    /// Deploys a model file as a new version of <paramref name="name"/>; settings are the deploy query parameters
    /// (a sequence, not a dictionary, because <c>label</c> may repeat).
    /// </summary>
    public Task<JsonNode> DeployAsync(string name, byte[] model, IEnumerable<KeyValuePair<string, string>>? settings = null, CancellationToken cancellationToken = default) =>
        DeployAsync(name, model, vocab: null, settings, cancellationToken);

    /// <summary>
    /// Deploys a model with its tokenizer vocabulary (a BERT <c>vocab.txt</c>): an embedding function, whose
    /// instances tokenise and pool, so it answers <c>/v1/embeddings</c> as well as the inference API.
    /// </summary>
    public async Task<JsonNode> DeployAsync(string name, byte[] model, byte[]? vocab, IEnumerable<KeyValuePair<string, string>>? settings = null, CancellationToken cancellationToken = default)
    {
        var pairs = settings?.ToList() ?? [];
        var query = pairs.Count == 0
            ? ""
            : "?" + string.Join("&", pairs.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
        var modelContent = new ByteArrayContent(model);
        modelContent.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using HttpContent content = vocab is null ? modelContent : Multipart(modelContent, vocab);
        using var response = await _http.PostAsync($"api/functions/{Uri.EscapeDataString(name)}{query}", content, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    private static MultipartFormDataContent Multipart(ByteArrayContent model, byte[] vocab)
    {
        var form = new MultipartFormDataContent { { model, "model", "model.onnx" } };
        var vocabContent = new ByteArrayContent(vocab);
        vocabContent.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(vocabContent, "vocab", "vocab.txt");
        return form;
    }

    /// <summary>Deploys a pipeline spec (JSON, its files inline: see <see cref="PipelineSpecFiles"/>) as a new version of <paramref name="name"/>.</summary>
    public Task<JsonNode> DeployPipelineAsync(string name, string specJson, CancellationToken cancellationToken = default) =>
        DeployPipelineAsync(name, specJson, "application/json", cancellationToken);

    /// <summary>Deploys a pipeline spec given as <paramref name="mediaType"/> (sent with <c>charset=utf-8</c>): <c>application/json</c>, or <c>application/yaml</c> for a YAML spec.</summary>
    public async Task<JsonNode> DeployPipelineAsync(string name, string spec, string mediaType, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(spec, Encoding.UTF8, mediaType);
        using var response = await _http.PostAsync($"api/pipelines/{Uri.EscapeDataString(name)}", content, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>A pipeline's graph, its steps' instances and its last request's time per step.</summary>
    public Task<JsonNode> DescribePipelineAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync($"api/pipelines/{Uri.EscapeDataString(name)}", cancellationToken);

    public Task<JsonNode> ListAsync(CancellationToken cancellationToken = default) => GetAsync("api/functions", cancellationToken);

    public Task<JsonNode> DescribeAsync(string name, CancellationToken cancellationToken = default) => GetAsync($"api/functions/{Uri.EscapeDataString(name)}", cancellationToken);

    public async Task<JsonNode> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync($"api/functions/{Uri.EscapeDataString(name)}", cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    public Task<JsonNode> UsageAsync(string? function = null, CancellationToken cancellationToken = default) =>
        GetAsync(function is null ? "api/usage" : $"api/usage?function={Uri.EscapeDataString(function)}", cancellationToken);

    /// <summary>The check that the tenant's usage equals its ledger (<c>GET /api/usage/verify</c>).</summary>
    public Task<JsonNode> VerifyUsageAsync(CancellationToken cancellationToken = default) => GetAsync("api/usage/verify", cancellationToken);

    /// <summary>The tenant's usage ledger after a position (<c>GET /api/usage/ledger</c>).</summary>
    public Task<JsonNode> LedgerAsync(long after = 0, int limit = 1000, CancellationToken cancellationToken = default) =>
        GetAsync($"api/usage/ledger?after={after}&limit={limit}", cancellationToken);

    public Task<JsonNode> StatusAsync(CancellationToken cancellationToken = default) => GetAsync("api/status", cancellationToken);

    /// <summary>This node's last receipts of the caller's tenant, oldest first, after sequence <paramref name="after"/> (docs/receipts.md).</summary>
    public Task<JsonNode> ReceiptsAsync(long after = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        GetAsync(FormattableString.Invariant($"api/receipts?after={after}&limit={limit}"), cancellationToken);

    /// <summary>This node's receipt-signing public key (<c>publicKey</c>, base64url of the Ed25519 key).</summary>
    public Task<JsonNode> ReceiptKeyAsync(CancellationToken cancellationToken = default) => GetAsync("api/receipts/key", cancellationToken);

    /// <summary>Sends an Open Inference Protocol infer request (JSON body) and returns the raw response.</summary>
    public async Task<InferResponse> InferAsync(string name, string jsonBody, int? version = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        return await InferAsync(name, content, version, timeout, cancellationToken);
    }

    /// <summary>Sends an infer request with the binary tensor extension: a JSON header followed by raw tensor bytes.</summary>
    public async Task<InferResponse> InferBinaryAsync(string name, string jsonHeader, byte[] tail, int? version = null, CancellationToken cancellationToken = default)
    {
        var header = Encoding.UTF8.GetBytes(jsonHeader);
        var body = new byte[header.Length + tail.Length];
        header.CopyTo(body, 0);
        tail.CopyTo(body, header.Length);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(CultureInfo.InvariantCulture));
        return await InferAsync(name, content, version, null, cancellationToken);
    }

    private async Task<InferResponse> InferAsync(string name, HttpContent content, int? version, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var path = version is null ? $"v2/models/{Uri.EscapeDataString(name)}/infer" : $"v2/models/{Uri.EscapeDataString(name)}/versions/{version}/infer";
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (timeout is { } t)
        {
            request.Headers.Add("Stoke-Timeout-Ms", ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        return await ResponseAsync(response, cancellationToken);
    }

    private static async Task<InferResponse> ResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new InferResponse(response.StatusCode, headers, body);
    }

    /// <summary>Opens a stream on a stateful function; its id is in the answer's <c>id</c>.</summary>
    public async Task<JsonNode> OpenStreamAsync(string name, CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync($"v2/models/{Uri.EscapeDataString(name)}/streams", null, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>Sends one chunk of a stream as raw little-endian float32 samples; the response is the chunk's OIP outputs (or the refusal).</summary>
    public async Task<InferResponse> SendChunkAsync(string name, string streamId, ReadOnlyMemory<float> samples, CancellationToken cancellationToken = default)
    {
        var bytes = new byte[samples.Length * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.Span).CopyTo(bytes);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.PostAsync($"v2/models/{Uri.EscapeDataString(name)}/streams/{Uri.EscapeDataString(streamId)}", content, cancellationToken);
        return await ResponseAsync(response, cancellationToken);
    }

    /// <summary>Closes a stream; the answer has the chunks it ran.</summary>
    public async Task<JsonNode> CloseStreamAsync(string name, string streamId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync($"v2/models/{Uri.EscapeDataString(name)}/streams/{Uri.EscapeDataString(streamId)}", cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    private async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw StokeErrors.FromBody(response.StatusCode, text);
        }

        return JsonNode.Parse(text) ?? new JsonObject();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>An infer response: status, headers (usage: <c>Stoke-*</c>) and body.</summary>
public sealed record InferResponse(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => JsonNode.Parse(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// The server refused a call; <see cref="Exception.Message"/> carries the server's error text. For the OpenAI API
/// (<see cref="StokeChatClient"/>, <see cref="StokeEmbeddingGenerator"/>) also its error <c>type</c>, <c>param</c> and <c>code</c>.
/// </summary>
public sealed class StokeClientException(HttpStatusCode status, string message, string? type = null, string? param = null, string? code = null)
    : Exception($"{(int)status} {status}: {message}")
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>The server's own message, without the status prefix of <see cref="Exception.Message"/>.</summary>
    public string ServerMessage { get; } = message;

    /// <summary>OpenAI's error type (<c>invalid_request_error</c>, <c>rate_limit_error</c>, ...), when the API gives one.</summary>
    public string? Type { get; } = type;

    /// <summary>The request field the server refused, when it names one.</summary>
    public string? Param { get; } = param;

    /// <summary>OpenAI's error code (<c>model_not_found</c>, ...), when the API gives one.</summary>
    public string? Code { get; } = code;
}
