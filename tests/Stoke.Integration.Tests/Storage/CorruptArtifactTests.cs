using System.Net;
using System.Security.Cryptography;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Storage;

/// <summary>A model file in the repository whose bytes no longer match their SHA-256, on a real embedded node.</summary>
public sealed class CorruptArtifactTests : IAsyncLifetime
{
    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(TestModels.Classifier));
    private EmbeddedStoke _node = null!;

    // No disk tier: the repository is the only copy a restarted node has.
    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(node: o => o.DiskTierBytes = 0);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private string RepositoryFile => Path.Combine(_node.DataDirectory, "repository", "sha256", Sha[..2], Sha + ".bin");

    [Fact]
    public async Task ACorruptArtifactIsQuarantinedAndItsRequestAnswersWhy()
    {
        using (var client = _node.Client())
        {
            await client.DeployAsync("cls-rot", TestModels.Classifier);
        }

        await _node.RestartAsync(FlipAByte);
        using var after = _node.Client();
        var response = await after.InferAsync("cls-rot", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.Contains("corrupt", response.Text, StringComparison.Ordinal);
        Assert.False(File.Exists(RepositoryFile));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(RepositoryFile)!, Sha + ".bin.corrupt-*"));
    }

    [Fact]
    public async Task RedeployingTheSameModelRefillsTheRepository()
    {
        using (var client = _node.Client())
        {
            await client.DeployAsync("cls-rot", TestModels.Classifier);
        }

        await _node.RestartAsync(FlipAByte);
        using var after = _node.Client();
        Assert.Equal(HttpStatusCode.InternalServerError, (await after.InferAsync("cls-rot", TestModels.ClassifierJson())).Status);
        await after.DeployAsync("cls-rot", TestModels.Classifier);
        await _node.RestartAsync();
        using var restarted = _node.Client();

        var response = await restarted.InferAsync("cls-rot", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("repository", response.Header("Stoke-Cold-Start-Tier"));
    }

    private void FlipAByte()
    {
        using var file = File.Open(RepositoryFile, FileMode.Open, FileAccess.ReadWrite);
        file.Position = 1000;
        var b = file.ReadByte();
        file.Position = 1000;
        file.WriteByte((byte)~b);
    }
}
