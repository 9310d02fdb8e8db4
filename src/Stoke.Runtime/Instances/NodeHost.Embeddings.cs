using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Tensors;

namespace Stoke.Runtime.Instances;

// Embedding instances tokenise and pool in the instance; a deploy's artifact is replicated into this node's repository.
public sealed partial class NodeHost
{
    /// <summary>Embeds texts on a ready embedding instance of this node: tokenised here, batched with other requests, pooled here.</summary>
    public async Task<EmbeddingInvocation> EmbedAsync(string instanceId, string[] texts, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (!_instances.TryGetValue(instanceId, out var instance) || instance.Phase != InstancePhase.Ready || instance.Batcher is null)
        {
            throw new InstanceGoneException(instanceId);
        }

        var embedder = instance.Embedder
            ?? throw new StokeException(StokeErrorKind.BadRequest, $"Model '{instance.Spec.Name}' is not an embedding model: deploy it with its vocab (stoke deploy --vocab FILE).");
        var encoded = embedder.Encode(texts);
        instance.Enter();
        try
        {
            var run = await instance.Batcher.EnqueueAsync(new InferenceRequest(null, encoded.Inputs, [embedder.OutputName]), deadline, cancellationToken);
            return new EmbeddingInvocation(embedder.Pool(run.Outputs, encoded), encoded.TokenCounts, run with { Outputs = [] });
        }
        finally
        {
            Done(instance);
        }
    }

    /// <summary>
    /// Keeps a durable copy of an artifact in this node's repository, fetched from the fastest tier that has it (a
    /// peer's, at a deploy), so that a cluster without a shared repository does not lose a model with its deploying node.
    /// </summary>
    public async Task ReplicateAsync(ArtifactRef artifact, CancellationToken cancellationToken)
    {
        if (Repository.Contains(artifact.Sha256))
        {
            return;
        }

        var (bytes, _) = await FetchAsync(artifact, cancellationToken);
        await Repository.PutAsync(bytes, artifact.FileName, cancellationToken);
    }
}
