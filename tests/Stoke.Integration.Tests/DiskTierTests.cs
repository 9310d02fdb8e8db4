using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Instances;

namespace Stoke.Integration.Tests;

/// <summary>
/// The disk tier of a real node across restarts. The memory tier is off (0 bytes), so a cold start after the deploy
/// reads the repository and leaves a copy in the disk tier.
/// </summary>
public sealed class DiskTierTests
{
    private static readonly string Sha256 = Convert.ToHexStringLower(SHA256.HashData(TestModels.Classifier));

    [Fact]
    public async Task ColdStartAfterARestartLoadsFromTheDiskTier()
    {
        await using var node = await EmbeddedStoke.StartAsync(o => o.MemoryTierBytes = 0);
        await DeployAndColdStartAsync(node, "cls-disk");

        await node.RestartAsync();
        using var client = node.Client();
        var r = await client.InferAsync("cls-disk", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(ArtifactTier.Disk, r.Header("Stoke-Cold-Start-Tier"));
    }

    [Fact]
    public async Task CorruptDiskFileIsDetectedAndTheModelLoadsFromTheRepository()
    {
        await using var node = await EmbeddedStoke.StartAsync(o => o.MemoryTierBytes = 0);
        await DeployAndColdStartAsync(node, "cls-disk-corrupt");
        var path = Host(node).Artifacts.Disk.PathFor(Sha256);

        await node.RestartAsync();
        await CorruptAsync(path);
        using var client = node.Client();
        var r = await client.InferAsync("cls-disk-corrupt", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(ArtifactTier.Repository, r.Header("Stoke-Cold-Start-Tier"));
    }

    [Fact]
    public async Task CorruptDiskFileIsReplacedByTheCopyFetchedAgain()
    {
        await using var node = await EmbeddedStoke.StartAsync(o => o.MemoryTierBytes = 0);
        await DeployAndColdStartAsync(node, "cls-disk-refetch");
        var path = Host(node).Artifacts.Disk.PathFor(Sha256);

        await node.RestartAsync();
        await CorruptAsync(path);
        using var client = node.Client();
        await client.InferAsync("cls-disk-refetch", TestModels.ClassifierJson());
        await Host(node).Artifacts.WhenStoredAsync();

        Assert.Equal(Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));
    }

    private static async Task DeployAndColdStartAsync(EmbeddedStoke node, string name)
    {
        using var client = node.Client();
        await client.DeployAsync(name, TestModels.Classifier);
        var first = await client.InferAsync(name, TestModels.ClassifierJson());
        Assert.Equal(ArtifactTier.Repository, first.Header("Stoke-Cold-Start-Tier"));
        await Host(node).Artifacts.WhenStoredAsync();
        Assert.True(Host(node).Artifacts.Disk.Contains(Sha256));
    }

    // Flips one byte in the middle of the file, as a bad sector or a torn copy would.
    private static async Task CorruptAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(path, bytes);
    }

    private static NodeHost Host(EmbeddedStoke node) => node.Services.GetRequiredService<NodeHost>();
}
