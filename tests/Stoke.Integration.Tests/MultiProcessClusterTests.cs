using System.Net;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

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
        await Task.WhenAll(first.Select(n => n.StopAsync()));
        var second = await StartAllAsync(store);
        await AssertServedThroughEachAsync(second, "after the restart");
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
