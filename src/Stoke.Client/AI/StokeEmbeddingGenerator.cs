using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Stoke.Client;

/// <summary>
/// Microsoft.Extensions.AI's embedding generator over a Stoke node's <c>/v1/embeddings</c>: an ONNX text encoder
/// deployed with its vocab. A refusal throws <see cref="StokeClientException"/> with the server's message.
/// </summary>
public sealed class StokeEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const string EmbeddingsPath = "v1/embeddings";
    private readonly OpenAIConnection _connection;
    private readonly string _model;

    /// <param name="endpoint">The node's URL, e.g. <c>http://localhost:8080</c>.</param>
    /// <param name="model">The embedding function, unless <see cref="EmbeddingGenerationOptions.ModelId"/> names another.</param>
    /// <param name="apiKey">Sent as <c>Authorization: Bearer</c>; null for a node without keys.</param>
    public StokeEmbeddingGenerator(Uri endpoint, string model, string? apiKey = null)
        : this(new OpenAIConnection(endpoint, apiKey), model)
    {
    }

    /// <summary>Uses a caller's <see cref="HttpClient"/>, whose <see cref="HttpClient.BaseAddress"/> is the node; it is not disposed here.</summary>
    public StokeEmbeddingGenerator(HttpClient http, string model)
        : this(new OpenAIConnection(http), model)
    {
    }

    private StokeEmbeddingGenerator(OpenAIConnection connection, string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        _connection = connection;
        _model = model;
        Metadata = new EmbeddingGeneratorMetadata("stoke", connection.Endpoint, model);
    }

    public EmbeddingGeneratorMetadata Metadata { get; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var body = new JsonObject
        {
            ["model"] = options?.ModelId ?? _model,
            ["input"] = new JsonArray([.. values.Select(v => (JsonNode?)v)]),
            ["encoding_format"] = "float",
        };
        if (options?.Dimensions is { } dimensions)
        {
            body["dimensions"] = dimensions;
        }

        var answer = await _connection.PostAsync(EmbeddingsPath, body, cancellationToken);
        var model = answer["model"]?.GetValue<string>();
        var data = answer["data"]?.AsArray() ?? throw new InvalidDataException("The embeddings answer has no data.");
        var embeddings = data
            .OrderBy(item => item!["index"]!.GetValue<int>())
            .Select(item => new Embedding<float>(Vector(item!["embedding"]!.AsArray())) { ModelId = model });
        return new GeneratedEmbeddings<Embedding<float>>(embeddings) { Usage = ChatWire.Usage(answer["usage"]) };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => OpenAIConnection.Service(this, Metadata, serviceType, serviceKey);

    public void Dispose() => _connection.Dispose();

    private static float[] Vector(JsonArray values)
    {
        var vector = new float[values.Count];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = values[i]!.GetValue<float>();
        }

        return vector;
    }
}
