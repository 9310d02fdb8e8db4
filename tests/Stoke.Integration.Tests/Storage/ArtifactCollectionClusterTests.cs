using System.Net;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Storage;

/// <summary>Two real silos with their own repositories: a collected artifact leaves every node's tiers.</summary>
public sealed class ArtifactCollectionClusterTests : IAsyncLifetime
{
    private PeerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await PeerCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task DeletingTheLastUserRemovesTheArtifactFromBothNodes()
    {
        using var client = _cluster.Client(0);
        await client.DeployAsync("cls-gc", TestModels.Classifier, PeerCluster.On(1));
        var response = await client.InferAsync("cls-gc", TestModels.ClassifierJson());
        await _cluster.Node(1).Artifacts.WhenStoredAsync();
        var before = (_cluster.Node(0).Artifacts.TierOf(PeerCluster.ClassifierSha256), _cluster.Node(1).Artifacts.TierOf(PeerCluster.ClassifierSha256));

        await client.DeleteAsync("cls-gc");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(("memory", "memory"), before);
        Assert.Null(_cluster.Node(0).Artifacts.TierOf(PeerCluster.ClassifierSha256));
        Assert.Null(_cluster.Node(1).Artifacts.TierOf(PeerCluster.ClassifierSha256));
        Assert.False(_cluster.Node(1).Artifacts.Disk.Contains(PeerCluster.ClassifierSha256));
    }
}
