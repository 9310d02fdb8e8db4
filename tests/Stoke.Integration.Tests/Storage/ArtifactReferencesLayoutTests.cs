using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Stoke.Engines.Onnx.Tests.Support;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;

namespace Stoke.Integration.Tests.Storage;

/// <summary>
/// An artifact's users are stored in buckets, so a deploy of one more function sharing a widely used artifact writes
/// one bucket, not every user; a reference set in the first layout (every user in one record) is moved to buckets
/// when a node starts on it and still collects the artifact with its last user.
/// </summary>
public sealed class ArtifactReferencesLayoutTests : IAsyncLifetime
{
    private const string Key = "key-tenant-alpha-0123456789";
    private static readonly byte[] Model = OnnxModelWriter.Build(new OnnxModelWriter.Node("Identity", "x", 1, ["n", "4"]));
    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(Model));
    private EmbeddedStoke _node = null!;

    private SpecCountingStorage Storage => (SpecCountingStorage)_node.Services.GetRequiredKeyedService<IGrainStorage>(StokeStorage.Name);

    private IArtifactReferencesGrain References => _node.Services.GetRequiredService<IGrainFactory>().GetGrain<IArtifactReferencesGrain>(Sha);

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(
        gateway: g => g.ApiKeys = [new ApiKeyOptions { Key = Key, Tenant = "alpha" }],
        services: SpecCountingStorage.Install);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task EachDeployOfASharedArtifactWritesOneBucketOfItsUsers()
    {
        const int functions = 160;
        using var client = _node.Client(Key);
        var written = new List<int>();
        for (var i = 0; i < functions; i++)
        {
            var before = Storage.ArtifactUsers;
            await client.DeployAsync($"fn-{i:D3}", Model);
            written.Add(Storage.ArtifactUsers - before);
        }

        // The first layout wrote every user at each acquire: the 160th deploy wrote 160 names, 12,880 in all.
        Assert.Equal(functions, (await References.Users()).Length);
        Assert.True(written.Max() <= 16, $"a deploy wrote {written.Max()} users of the artifact (160 functions share it, over 64 buckets)");
        Assert.True(written.Sum() < functions * 4, $"{written.Sum()} users written over {functions} deploys");
    }

    [Fact]
    public async Task AFirstLayoutReferenceSetMovesToBucketsAndCollectsWithItsLastUser()
    {
        using (var client = _node.Client(Key))
        {
            await client.DeployAsync("cls-a", Model);
            await client.DeployAsync("cls-b", Model);
        }

        var header = HeaderFile();
        await _node.RestartAsync(async () =>
        {
            var version = JsonNode.Parse(await File.ReadAllTextAsync(header))!["Version"]!.GetValue<long>();
            var first = new { Version = version, State = new { Functions = new[] { "alpha/cls-a", "alpha/cls-b" }, Collections = 0 } };
            await File.WriteAllTextAsync(header, JsonSerializer.Serialize(first));
            Directory.Delete(Path.Combine(_node.DataDirectory, "state", ArtifactUsersState.StateName), recursive: true);
        });

        var users = await References.Users();
        var moved = JsonNode.Parse(await File.ReadAllTextAsync(header))!["State"]!;
        using var after = _node.Client(Key);
        await after.DeleteAsync("cls-a");
        var kept = _node.Services.GetRequiredService<NodeHost>().Repository.Contains(Sha);
        await after.DeleteAsync("cls-b");

        Assert.Equal(["alpha/cls-a", "alpha/cls-b"], users);
        Assert.Empty(moved["Functions"]!.AsArray());
        Assert.NotEqual(0UL, moved["Buckets"]!.GetValue<ulong>());
        Assert.True(kept, "the artifact went with its first user although cls-b still used it");
        Assert.False(_node.Services.GetRequiredService<NodeHost>().Repository.Contains(Sha));
        Assert.Empty(await References.Users());
    }

    private string HeaderFile() =>
        Directory.GetFiles(Path.Combine(_node.DataDirectory, "state", "artifact-references"), "*.json").Single(f => Path.GetFileName(f).Contains(Sha, StringComparison.Ordinal));
}
