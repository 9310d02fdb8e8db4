using System.Net;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Storage;

/// <summary>A real embedded node whose artifact repository is a tmpfs that fills up.</summary>
public sealed class RepositoryDiskFullTests : IAsyncLifetime
{
    private readonly SmallTmpfs _repository = SmallTmpfs.Mount(megabytes: 8);
    private EmbeddedStoke _node = null!;

    private static byte[] Detector => File.ReadAllBytes(Path.Combine(TestModels.SharedDir, "paddleocr-v4", "ch_PP-OCRv4_det_infer.onnx"));

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(node: o =>
    {
        o.RepositoryDirectory = _repository.Path;
        o.DiskTierBytes = 0;
    });

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _repository.Dispose();
    }

    [Fact]
    public async Task ADeployToAFullRepositoryIs503AndLeavesNoFileWhileTheNodeServesWhatItHas()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-before", TestModels.Classifier);
        var filler = _repository.Fill();

        var error = await Assert.ThrowsAsync<StokeClientException>(() => client.DeployAsync("det-full", Detector));
        var served = await client.InferAsync("cls-before", TestModels.ClassifierJson());
        var files = Directory.GetFiles(_repository.Path, "*", SearchOption.AllDirectories);

        Assert.True(error.Status == HttpStatusCode.ServiceUnavailable, error.Message);
        Assert.Contains("is full", error.ServerMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.Status);
        Assert.Equal(2, files.Length); // the classifier and the filler: no temporary file
        Assert.Contains(filler, files);
        await Assert.ThrowsAsync<StokeClientException>(() => client.DescribeAsync("det-full"));
    }

    [Fact]
    public async Task ADeployAfterSpaceIsFreedSucceeds()
    {
        using var client = _node.Client();
        var filler = _repository.Fill();
        await Assert.ThrowsAsync<StokeClientException>(() => client.DeployAsync("det-later", Detector));
        File.Delete(filler);

        await client.DeployAsync("det-later", Detector);

        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Detector));
        Assert.True(File.Exists(Path.Combine(_repository.Path, "sha256", sha[..2], sha + ".bin")));
        Assert.NotNull((await client.DescribeAsync("det-later"))["latest"]);
    }
}

