using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Instances;

namespace Stoke.Runtime.Grains;

/// <summary>A node's control surface for the rest of the cluster; keyed by the node's silo address.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    Task<ColdStartReport> StartInstance(FunctionSpec spec, string instanceId);

    Task<InstanceInvocation> Invoke(string instanceId, InferenceRequest request, DateTimeOffset deadline);

    /// <summary>Streams a generation on a language-model instance; cancelling the token or disposing the stream frees its sequence.</summary>
    IAsyncEnumerable<TextChunk> Generate(string instanceId, TextGenerationRequest request, CancellationToken cancellationToken);

    /// <summary>Renders chat messages with the model's template; null when the instance is gone.</summary>
    Task<string?> RenderChat(string instanceId, ChatTurn[] messages);

    Task StopInstance(string instanceId, string reason);

    Task<NodeSnapshot> Snapshot();

    Task<InstanceSnapshot[]> InstancesOf(string functionKey, int version);

    /// <summary>Which tier of this node holds the artifact (<c>memory</c>, <c>disk</c>, <c>repository</c>), or null: asked by peers.</summary>
    Task<string?> ArtifactTierOf(string sha256);

    /// <summary>
    /// Streams the artifact's bytes in chunks of about <paramref name="chunkBytes"/>, for a peer's cold start; the peer
    /// checks size and hash. Call it with a batch size of 1 so that each chunk is one message.
    /// </summary>
    IAsyncEnumerable<byte[]> ReadArtifact(ArtifactRef artifact, int chunkBytes, CancellationToken cancellationToken);
}
