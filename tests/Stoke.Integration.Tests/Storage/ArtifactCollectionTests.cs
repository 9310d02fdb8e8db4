using System.Net;
using System.Security.Cryptography;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Instances;
using Microsoft.Extensions.DependencyInjection;

namespace Stoke.Integration.Tests.Storage;

/// <summary>Artifacts are collected by reference: kept while any function of any tenant uses them, deleted with the last.</summary>
public sealed class ArtifactCollectionTests : IAsyncLifetime
{
    private const string KeyAlpha = "key-tenant-alpha-0123456789";
    private const string KeyBravo = "key-tenant-bravo-0123456789";
    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(TestModels.Classifier));
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(gateway: g => g.ApiKeys =
    [
        new ApiKeyOptions { Key = KeyAlpha, Tenant = "alpha" },
        new ApiKeyOptions { Key = KeyBravo, Tenant = "bravo" },
    ]);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private NodeHost Host => _node.Services.GetRequiredService<NodeHost>();

    [Fact]
    public async Task AnArtifactSharedByTwoTenantsGoesWithItsLastUser()
    {
        using var alpha = _node.Client(KeyAlpha);
        using var bravo = _node.Client(KeyBravo);
        await alpha.DeployAsync("cls-a", TestModels.Classifier);
        await bravo.DeployAsync("cls-b", TestModels.Classifier);
        Assert.Equal(HttpStatusCode.OK, (await alpha.InferAsync("cls-a", TestModels.ClassifierJson())).Status);

        await alpha.DeleteAsync("cls-a");
        var keptForBravo = (Host.Repository.Contains(Sha), (await bravo.InferAsync("cls-b", TestModels.ClassifierJson())).Status);
        await bravo.DeleteAsync("cls-b");

        Assert.Equal((true, HttpStatusCode.OK), keptForBravo);
        Assert.False(Host.Repository.Contains(Sha));
        Assert.Null(Host.Artifacts.TierOf(Sha));
    }

    [Fact]
    public async Task ACollectedArtifactIsStoredAgainByTheNextDeploy()
    {
        using var alpha = _node.Client(KeyAlpha);
        await alpha.DeployAsync("cls-a", TestModels.Classifier);
        await alpha.DeleteAsync("cls-a");
        Assert.False(Host.Repository.Contains(Sha));

        await alpha.DeployAsync("cls-a", TestModels.Classifier);
        await _node.RestartAsync();
        using var restarted = _node.Client(KeyAlpha);
        var response = await restarted.InferAsync("cls-a", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(Host.Repository.Contains(Sha));
    }

    [Fact]
    public async Task AnArtifactUsedByTwoVersionsAndAnotherFunctionGoesWithTheLast()
    {
        using var alpha = _node.Client(KeyAlpha);
        await alpha.DeployAsync("cls-a", TestModels.Classifier);
        await alpha.DeployAsync("cls-other", TestModels.Classifier);
        await alpha.DeployAsync("cls-a", TestModels.Classifier);

        await alpha.DeleteAsync("cls-other");
        var keptForBothVersions = Host.Repository.Contains(Sha);
        await alpha.DeleteAsync("cls-a");

        Assert.True(keptForBothVersions);
        Assert.False(Host.Repository.Contains(Sha));
    }
}
