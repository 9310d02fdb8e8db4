using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Routing;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;

namespace Stoke.Runtime.Grains;

/// <summary>A node's surface for the rest of the cluster; keyed by the node's silo address and placed on that silo.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    Task<ColdStartReport> StartInstance(FunctionSpec spec, string instanceId);

    /// <summary>Runs one request on one of this node's instances (the warm path's one hop); cancelling takes it out of its batch.</summary>
    Task<InstanceInvocation> Invoke(string instanceId, InferenceRequest request, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>Embeds texts on an embedding instance: tokenised, batched and pooled there.</summary>
    Task<EmbeddingInvocation> Embed(string instanceId, string[] texts, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>Streams a generation on a language-model instance; cancelling the token or disposing the stream frees its sequence.</summary>
    IAsyncEnumerable<TextChunk> Generate(string instanceId, TextGenerationRequest request, CancellationToken cancellationToken);

    Task StopInstance(string instanceId, string reason);

    /// <summary>Opens a stream of a stateful function on one of this node's instances; its state stays on this node.</summary>
    Task<StreamOpened> OpenStream(string instanceId, string functionKey, int version);

    /// <summary>Runs one chunk of a stream this node holds (batched with other streams' chunks of its instance).</summary>
    Task<InstanceInvocation> StreamChunk(string streamId, string functionKey, float[] chunk, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>Closes a stream this node holds.</summary>
    Task<StreamClosed> CloseStream(string streamId, string functionKey);

    /// <summary>Copies an artifact into this node's repository (from a peer), so it survives the node that deployed it.</summary>
    Task Replicate(ArtifactRef artifact);

    /// <summary>Deletes an artifact no function uses any more from this node's repository and tiers; true when its repository held it.</summary>
    Task<bool> ForgetArtifact(string sha256);

    Task<NodeSnapshot> Snapshot();

    Task<InstanceSnapshot[]> InstancesOf(string functionKey, int version);

    /// <summary>A controller's tick: this node's load report for the function version; takes its routing table too.</summary>
    Task<NodeLoadReport> Report(string functionKey, int version, long acknowledged, RouteTable routes);

    /// <summary>The usage batches of a function version this node metered and the controller has not acknowledged.</summary>
    Task<UsageBatch[]> Usage(string functionKey, int version, long acknowledged);

    /// <summary>A controller's ready set changed.</summary>
    [Orleans.Concurrency.OneWay]
    Task PublishRoutes(RouteTable routes);

    /// <summary>The most recent usage records of requests this node's gateway answered for a function version.</summary>
    Task<UsageRecord[]> RecentUsage(string functionKey, int version, int limit);

    /// <summary>Which tier of this node holds the artifact (<c>memory</c>, <c>disk</c>, <c>repository</c>), or null: asked by peers.</summary>
    Task<string?> ArtifactTierOf(string sha256);

    /// <summary>
    /// Streams the artifact's bytes in chunks of about <paramref name="chunkBytes"/>, for a peer's cold start; the peer
    /// checks size and hash. Call it with a batch size of 1 so that each chunk is one message.
    /// </summary>
    IAsyncEnumerable<byte[]> ReadArtifact(ArtifactRef artifact, int chunkBytes, CancellationToken cancellationToken);
}
