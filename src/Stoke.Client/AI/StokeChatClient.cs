using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Stoke.Client;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over a Stoke node's <c>/v1/chat/completions</c>, with
/// <see cref="HttpClient"/> and System.Text.Json only. A refusal throws <see cref="StokeClientException"/> with the server's message.
/// </summary>
public sealed class StokeChatClient : IChatClient
{
    private const string ChatPath = "v1/chat/completions";
    private readonly OpenAIConnection _connection;
    private readonly string _model;

    /// <param name="endpoint">The node's URL, e.g. <c>http://localhost:8080</c>.</param>
    /// <param name="model">The function to chat with (its latest version), unless <see cref="ChatOptions.ModelId"/> names another.</param>
    /// <param name="apiKey">Sent as <c>Authorization: Bearer</c>; null for a node without keys.</param>
    public StokeChatClient(Uri endpoint, string model, string? apiKey = null)
        : this(new OpenAIConnection(endpoint, apiKey), model)
    {
    }

    /// <summary>Uses a caller's <see cref="HttpClient"/>, whose <see cref="HttpClient.BaseAddress"/> is the node; it is not disposed here.</summary>
    public StokeChatClient(HttpClient http, string model)
        : this(new OpenAIConnection(http), model)
    {
    }

    private StokeChatClient(OpenAIConnection connection, string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        _connection = connection;
        _model = model;
        Metadata = new ChatClientMetadata("stoke", connection.Endpoint, model);
    }

    public ChatClientMetadata Metadata { get; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = ChatWire.Request(messages, options, _model, stream: false);
        return ChatWire.Response(await _connection.PostAsync(ChatPath, body, cancellationToken));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var body = ChatWire.Request(messages, options, _model, stream: true);
        await foreach (var chunk in _connection.StreamAsync(ChatPath, body, cancellationToken))
        {
            yield return ChatWire.Update(chunk);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => OpenAIConnection.Service(this, Metadata, serviceType, serviceKey);

    public void Dispose() => _connection.Dispose();
}
