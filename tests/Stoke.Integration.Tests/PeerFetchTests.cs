using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans;
using Orleans.Hosting;
using Stoke.Abstractions.Functions;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Hosting;

namespace Stoke.Integration.Tests;

/// <summary>
/// Cold starts on one silo of a real two-silo cluster whose artifact is on the other one: each silo has its own
/// repository, so without peer fetch the second silo could not load the model at all.
/// </summary>
public sealed class PeerFetchTests
{
    [Fact]
    public async Task ColdStartOnOneSiloFetchesFromTheOthersMemoryTier()
    {
        await using var cluster = await PeerCluster.StartAsync();
        using var a = cluster.Client(0);
        using var b = cluster.Client(1);
        await a.DeployAsync("cls-peer", TestModels.Classifier, PeerCluster.On(1));

        var r = await b.InferAsync("cls-peer", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(ArtifactTier.Peer, r.Header("Stoke-Cold-Start-Tier"));
        Assert.False(cluster.Node(1).Repository.Contains(PeerCluster.ClassifierSha256));
    }

    [Fact]
    public async Task ModelFetchedFromAPeerAnswersAsTheOriginalDoes()
    {
        await using var cluster = await PeerCluster.StartAsync();
        using var a = cluster.Client(0);
        using var b = cluster.Client(1);
        await a.DeployAsync("cls-here", TestModels.Classifier, PeerCluster.On(0));
        await a.DeployAsync("cls-there", TestModels.Classifier, PeerCluster.On(1));

        var here = await a.InferAsync("cls-here", TestModels.ClassifierJson(seed: 0.7f));
        var there = await b.InferAsync("cls-there", TestModels.ClassifierJson(seed: 0.7f));

        Assert.Equal(ArtifactTier.Peer, there.Header("Stoke-Cold-Start-Tier"));
        Assert.Equal(Outputs(here), Outputs(there));
    }

    [Fact]
    public async Task PeerServesFromItsRepositoryWhenNoneOfItsTiersHoldsTheArtifact()
    {
        await using var cluster = await PeerCluster.StartAsync();
        using var a = cluster.Client(0);
        using var b = cluster.Client(1);
        await a.DeployAsync("cls-peer-repo", TestModels.Classifier, PeerCluster.On(1));
        cluster.Node(0).MemoryTier.Remove(PeerCluster.ClassifierSha256);

        var r = await b.InferAsync("cls-peer-repo", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(ArtifactTier.Peer, r.Header("Stoke-Cold-Start-Tier"));
    }

    [Fact]
    public async Task PeerCopyIsKeptInTheNodesMemoryAndDiskTiers()
    {
        await using var cluster = await PeerCluster.StartAsync();
        using var a = cluster.Client(0);
        using var b = cluster.Client(1);
        await a.DeployAsync("cls-peer-keep", TestModels.Classifier, PeerCluster.On(1));

        await b.InferAsync("cls-peer-keep", TestModels.ClassifierJson());
        await cluster.Node(1).Artifacts.WhenStoredAsync();
        var snapshot = cluster.Node(1).Snapshot();

        Assert.Contains(PeerCluster.ClassifierSha256, snapshot.MemoryTierArtifacts);
        Assert.Equal([PeerCluster.ClassifierSha256], snapshot.DiskTierArtifacts);
        Assert.Equal(TestModels.Classifier.Length, snapshot.DiskTierUsedBytes);
    }

    [Fact]
    public async Task CorruptPeerCopyIsRefusedAndTheRepositoryServesTheRightModel()
    {
        await using var cluster = await PeerCluster.StartAsync((silo, builder) =>
        {
            if (silo == 1)
            {
                builder.Services.AddSingleton<IArtifactPeers>(sp => new CorruptingArtifactPeers(ActivatorUtilities.CreateInstance<OrleansArtifactPeers>(sp)));
            }
        });
        using var a = cluster.Client(0);
        using var b = cluster.Client(1);
        await cluster.Node(1).Repository.PutAsync(TestModels.Classifier, "cls.onnx", CancellationToken.None);
        await a.DeployAsync("cls-here", TestModels.Classifier, PeerCluster.On(0));
        await a.DeployAsync("cls-there", TestModels.Classifier, PeerCluster.On(1));

        var here = await a.InferAsync("cls-here", TestModels.ClassifierJson(seed: 0.3f));
        var there = await b.InferAsync("cls-there", TestModels.ClassifierJson(seed: 0.3f));

        Assert.Equal(ArtifactTier.Repository, there.Header("Stoke-Cold-Start-Tier"));
        Assert.Equal(Outputs(here), Outputs(there));
    }

    [Fact]
    public async Task SlowPeerIsSkippedWhenItsQueryTimesOut()
    {
        var gate = new BlockArtifactQueries();
        var peerClock = new FakeTimeProvider();
        await using var cluster = await PeerCluster.StartAsync((silo, builder) =>
        {
            if (silo == 0)
            {
                builder.AddIncomingGrainCallFilter(gate);
            }
            else
            {
                builder.Services.AddSingleton<IArtifactPeers>(sp => ActivatorUtilities.CreateInstance<OrleansArtifactPeers>(sp, (TimeProvider)peerClock));
            }
        });
        try
        {
            using var a = cluster.Client(0);
            using var b = cluster.Client(1);
            await cluster.Node(1).Repository.PutAsync(TestModels.Classifier, "cls.onnx", CancellationToken.None);
            await a.DeployAsync("cls-slow-peer", TestModels.Classifier, PeerCluster.On(1));

            var infer = b.InferAsync("cls-slow-peer", TestModels.ClassifierJson());
            await gate.Asked.Task.WaitAsync(TimeSpan.FromSeconds(60));
            peerClock.Advance(PeerCluster.QueryTimeout);
            var r = await infer;

            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Equal(ArtifactTier.Repository, r.Header("Stoke-Cold-Start-Tier"));
        }
        finally
        {
            gate.Release.TrySetResult();
        }
    }

    private static string Outputs(InferResponse r) => r.Json!["outputs"]![0]!["data"]!.ToJsonString();

    /// <summary>Holds every "which tier holds this artifact?" question to this silo until released: a slow peer.</summary>
    private sealed class BlockArtifactQueries : IIncomingGrainCallFilter
    {
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(INodeGrain.ArtifactTierOf))
            {
                Asked.TrySetResult();
                await Release.Task;
            }

            await context.Invoke();
        }
    }
}

/// <summary>Real peers whose bytes are damaged on the way: one byte in the middle of the first chunk is flipped.</summary>
internal sealed class CorruptingArtifactPeers(IArtifactPeers inner) : IArtifactPeers
{
    public Task<IReadOnlyList<ArtifactPeer>> FindAsync(ArtifactRef artifact, CancellationToken cancellationToken) =>
        inner.FindAsync(artifact, cancellationToken);

    public async IAsyncEnumerable<byte[]> ReadAsync(ArtifactPeer peer, ArtifactRef artifact, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        await foreach (var chunk in inner.ReadAsync(peer, artifact, cancellationToken).WithCancellation(cancellationToken))
        {
            if (first)
            {
                chunk[chunk.Length / 2] ^= 0x5A;
                first = false;
            }

            yield return chunk;
        }
    }
}
