using Orleans.Concurrency;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Routing;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Routing;
using Stoke.Runtime.Traffic;

namespace Stoke.Runtime.Grains;

/// <summary>Forwards to the silo's node services; reentrant because they are thread-safe and requests overlap.</summary>
[Reentrant]
[NodePlacement]
internal sealed class NodeGrain(NodeHost host, NodeRouter router, NodeTraffic traffic) : Grain, INodeGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (this.GetPrimaryKeyString() != host.NodeId)
        {
            throw new InvalidOperationException($"NodeGrain {this.GetPrimaryKeyString()} activated on node {host.NodeId}.");
        }

        return Task.CompletedTask;
    }

    public Task<ColdStartReport> StartInstance(FunctionSpec spec, string instanceId) => host.StartInstanceAsync(spec, instanceId, CancellationToken.None);

    public Task<InstanceInvocation> Invoke(string instanceId, InferenceRequest request, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        host.InvokeAsync(instanceId, request, deadline, cancellationToken);

    public Task<EmbeddingInvocation> Embed(string instanceId, string[] texts, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        host.EmbedAsync(instanceId, texts, deadline, cancellationToken);

    public IAsyncEnumerable<TextChunk> Generate(string instanceId, TextGenerationRequest request, CancellationToken cancellationToken) =>
        host.GenerateAsync(instanceId, request, cancellationToken);

    public Task StopInstance(string instanceId, string reason) => host.StopInstanceAsync(instanceId, reason);

    public Task<StreamOpened> OpenStream(string instanceId, string functionKey, int version) => Task.FromResult(host.OpenStream(instanceId, functionKey, version));

    public Task<InstanceInvocation> StreamChunk(string streamId, string functionKey, float[] chunk, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        host.StreamChunkAsync(streamId, functionKey, chunk, deadline, cancellationToken);

    public Task<StreamClosed> CloseStream(string streamId, string functionKey) => Task.FromResult(host.CloseStream(streamId, functionKey));

    public Task Replicate(ArtifactRef artifact) => host.ReplicateAsync(artifact, CancellationToken.None);

    public Task<bool> ForgetArtifact(string sha256) => Task.FromResult(host.Artifacts.Forget(sha256));

    public Task<NodeSnapshot> Snapshot() => Task.FromResult(host.Snapshot());

    public Task<InstanceSnapshot[]> InstancesOf(string functionKey, int version) => Task.FromResult(host.InstancesOf(functionKey, version).ToArray());

    public Task<NodeLoadReport> Report(string functionKey, int version, long acknowledged, RouteTable routes) =>
        Task.FromResult(traffic.Report(functionKey, version, acknowledged, routes));

    public Task<UsageBatch[]> Usage(string functionKey, int version, long acknowledged) => Task.FromResult(traffic.Usage(functionKey, version, acknowledged));

    public Task PublishRoutes(RouteTable routes)
    {
        router.Update(routes);
        return Task.CompletedTask;
    }

    public Task<UsageRecord[]> RecentUsage(string functionKey, int version, int limit) => Task.FromResult(traffic.Recent(functionKey, version, limit));

    public Task<string?> ArtifactTierOf(string sha256) => Task.FromResult(host.Artifacts.TierOf(sha256));

    public IAsyncEnumerable<byte[]> ReadArtifact(ArtifactRef artifact, int chunkBytes, CancellationToken cancellationToken) =>
        host.Artifacts.ServeAsync(artifact, chunkBytes, cancellationToken);
}
