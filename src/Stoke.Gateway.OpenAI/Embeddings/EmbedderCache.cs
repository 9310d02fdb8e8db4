using System.Collections.Concurrent;
using Stoke.Abstractions.Functions;
using Stoke.Engines.Onnx.Embeddings;
using Stoke.Runtime.Instances;

namespace Stoke.Gateway.OpenAI.Embeddings;

/// <summary>
/// The gateway's tokenizers for embedding functions, one per function version's (model, vocab) pair, built from the
/// vocab artifact in the repository (read and hash-checked once).
/// </summary>
public sealed class EmbedderCache(NodeHost node)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SentenceEmbedder>>> _embedders = new(StringComparer.Ordinal);

    public Task<SentenceEmbedder> GetAsync(FunctionSpec spec, CancellationToken cancellationToken)
    {
        if (spec.Tokenizer is not { Kind: "bert" } tokenizer)
        {
            throw new Protocol.OpenAIError(400, $"Model '{spec.Name}' is not an embedding model: deploy it with its vocab (POST /api/functions/{{name}}/embedding).", "invalid_request_error", "model");
        }

        var key = spec.Artifact.Sha256 + "/" + tokenizer.Artifact.Sha256;
        var lazy = _embedders.GetOrAdd(key, _ => new Lazy<Task<SentenceEmbedder>>(async () =>
        {
            await node.Repository.GetAsync(tokenizer.Artifact, cancellationToken);
            return new SentenceEmbedder(node.Repository.PathFor(tokenizer.Artifact), spec.Signature);
        }));
        return lazy.Value;
    }
}
