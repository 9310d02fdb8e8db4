using Orleans.Concurrency;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Instances;

namespace Stoke.Runtime.Grains;

/// <summary>Forwards to the silo's <see cref="NodeHost"/>; reentrant because the host is thread-safe and requests overlap.</summary>
[Reentrant]
[NodePlacement]
internal sealed class NodeGrain(NodeHost host) : Grain, INodeGrain
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

    public Task<InstanceInvocation> Invoke(string instanceId, InferenceRequest request, DateTimeOffset deadline) =>
        host.InvokeAsync(instanceId, request, deadline, CancellationToken.None);

    public IAsyncEnumerable<TextChunk> Generate(string instanceId, TextGenerationRequest request, CancellationToken cancellationToken) =>
        host.GenerateAsync(instanceId, request, cancellationToken);

    public Task<string?> RenderChat(string instanceId, ChatTurn[] messages) => Task.FromResult(host.RenderChat(instanceId, messages));

    public Task StopInstance(string instanceId, string reason) => host.StopInstanceAsync(instanceId, reason);

    public Task<NodeSnapshot> Snapshot() => Task.FromResult(host.Snapshot());

    public Task<InstanceSnapshot[]> InstancesOf(string functionKey, int version) => Task.FromResult(host.InstancesOf(functionKey, version).ToArray());

    public Task<string?> ArtifactTierOf(string sha256) => Task.FromResult(host.Artifacts.TierOf(sha256));

    public IAsyncEnumerable<byte[]> ReadArtifact(ArtifactRef artifact, int chunkBytes, CancellationToken cancellationToken) =>
        host.Artifacts.ServeAsync(artifact, chunkBytes, cancellationToken);
}
