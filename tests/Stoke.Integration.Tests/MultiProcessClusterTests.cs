using System.Net;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Storage;

namespace Stoke.Integration.Tests;

/// <summary>Three real `stoke serve` processes on one store, as an operator runs a cluster on one machine.</summary>
public sealed class MultiProcessClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private readonly string _root = Directory.CreateTempSubdirectory("stoke-processes-").FullName;
    private readonly List<StokeProcess> _nodes = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task ThreeRedisNodesServeOneFunctionAndKeepItAcrossARestartOfAll()
    {
        var store = new[] { "--redis", _redis.ConnectionString };
        var first = await StartAllAsync(store);
        await Eventually.ReturnsAsync(() => NodeCountAsync(first[0]), n => n == 3, Within, "3 nodes in /api/status");
        using (var deployer = new StokeClient(first[0].Url))
        {
            await deployer.DeployAsync("cls-three", TestModels.Classifier);
        }

        await AssertServedThroughEachAsync(first, "before the restart");
        // A clean exit means each silo left the membership; one cut off mid-stop would hold up the restarted nodes' join.
        var exits = await Task.WhenAll(first.Select(n => n.StopAsync()));
        Assert.True(exits.All(code => code == 0), $"exit codes {string.Join(", ", exits)}:\n{string.Join("\n", first.Select(n => n.Output))}");
        var second = await StartAllAsync(store);
        await AssertServedThroughEachAsync(second, "after the restart");
    }

    [Fact]
    public async Task NodesStartingTogetherOnAnEmptyStoreFormOneCluster()
    {
        await StartAllAsync(["--redis", _redis.ConnectionString]);

        var generations = Enumerable.Range(0, 3).Select(i => JoinedCluster.Read(Path.Combine(_root, "node" + i), "stoke")?.Generation).ToHashSet();

        Assert.True(generations.Count == 1 && !generations.Contains(null), string.Join("\n", _nodes.Select(n => n.Output)));
    }

    private async Task<StokeProcess[]> StartAllAsync(string[] store)
    {
        var nodes = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => StokeProcess.StartAsync(
            [.. store, "--data", Path.Combine(_root, "node" + i), "--repository", Path.Combine(_root, "repository")])));
        _nodes.AddRange(nodes);
        return nodes;
    }

    private static async Task<int> NodeCountAsync(StokeProcess node)
    {
        using var client = new StokeClient(node.Url);
        return (await client.StatusAsync())["nodes"]!.AsArray().Count;
    }

    private static async Task AssertServedThroughEachAsync(StokeProcess[] nodes, string when)
    {
        foreach (var node in nodes)
        {
            using var client = new StokeClient(node.Url);
            var result = await client.InferAsync("cls-three", TestModels.ClassifierJson());
            Assert.True(result.Status == HttpStatusCode.OK, $"{when}, {node}: {result.Status} {result.Json}\n{node.Output}");
        }
    }
}
