using System.Net;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Storage;

/// <summary>A real embedded node whose state folder is a tmpfs that fills up.</summary>
public sealed class StateDiskFullTests : IAsyncLifetime
{
    private readonly SmallTmpfs _data = SmallTmpfs.Mount(megabytes: 8);
    private readonly string _repository = Directory.CreateTempSubdirectory("stoke-repository-").FullName;
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(
        node: o => o.RepositoryDirectory = _repository, dataDirectory: Path.Combine(_data.Path, "data"));

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _data.Dispose();
        Directory.Delete(_repository, recursive: true);
    }

    [Fact]
    public async Task ADeployWithAFullStateFolderIs503AndTheNodeServesWhatItHas()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-before", TestModels.Classifier);
        _data.Fill();

        var error = await Assert.ThrowsAsync<StokeClientException>(() => client.DeployAsync("cls-full", TestModels.Classifier));
        var served = await client.InferAsync("cls-before", TestModels.ClassifierJson());

        Assert.True(error.Status == HttpStatusCode.ServiceUnavailable, error.Message);
        Assert.Contains("state folder", error.ServerMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.Status);
        // The receipt journal sits in the full data folder: the answer goes out without one, and says so.
        Assert.Null(served.Header("Stoke-Receipt"));
        Assert.NotNull(served.Header("Stoke-Receipt-Unavailable"));
        Assert.Empty(Directory.GetFiles(_data.Path, "*.tmp", SearchOption.AllDirectories));
    }
}
