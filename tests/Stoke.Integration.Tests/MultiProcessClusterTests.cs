using System.Diagnostics;
using System.Net;
using Npgsql;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Storage;
using Xunit.Abstractions;

namespace Stoke.Integration.Tests;

/// <summary>Three real `stoke serve` processes on one store, as an operator runs a cluster on one machine; the store
/// (a redis-server, or a PostgreSQL server that starts empty) is started by the test that needs it.</summary>
public sealed class MultiProcessClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    /// <summary>Orleans' default failure detection (probes every 5 s, 3 missed, 2 votes) plus its table refresh, with room.</summary>
    private static readonly TimeSpan DeclaredDeadWithin = TimeSpan.FromSeconds(120);

    private readonly ProcessCluster _cluster = new("processes");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public async Task ThreeNodesServeOneFunctionAndKeepItAcrossARestartOfAll(string backend)
    {
        var store = await _cluster.StartStoreAsync(backend);
        var first = await StartAllAsync(store);
        await Eventually.ReturnsAsync(() => ProcessCluster.NodeCountAsync(first[0]), n => n == 3, Within, "3 nodes in /api/status");
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

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public async Task NodesStartingTogetherOnAnEmptyStoreFormOneCluster(string backend)
    {
        await StartAllAsync(await _cluster.StartStoreAsync(backend));

        var generations = Enumerable.Range(0, 3).Select(i => JoinedCluster.Read(_cluster.DataOf(i), "stoke")?.Generation).ToHashSet();

        Assert.True(generations.Count == 1 && !generations.Contains(null), string.Join("\n", _cluster.Nodes.Select(n => n.Output)));
    }

    [Fact]
    public async Task SurvivorsDeclareAKilledPostgresNodeDead()
    {
        var nodes = await StartAllAsync(await _cluster.StartStoreAsync("postgres"));
        await Eventually.ReturnsAsync(() => ProcessCluster.NodeCountAsync(nodes[0]), n => n == 3, Within, "3 nodes in /api/status");
        var victim = nodes[2];

        var since = Stopwatch.StartNew();
        victim.KillHard();
        await Eventually.ReturnsAsync(() => MembershipStatusAsync(victim.SiloPort), s => s == DeadStatus, DeclaredDeadWithin, $"the killed silo (port {victim.SiloPort}) Dead in PostgreSQL");
        var declared = since.Elapsed;
        foreach (var survivor in nodes[..2])
        {
            await Eventually.ReturnsAsync(() => ProcessCluster.NodeCountAsync(survivor), n => n == 2, Within, $"{survivor} listing 2 nodes");
        }

        output.WriteLine($"kill -9 to Dead in the membership table: {declared.TotalSeconds:F1} s; to both survivors listing 2 nodes: {since.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Orleans' <c>SiloStatus.Dead</c>.</summary>
    private const int DeadStatus = 6;

    private Task<StokeProcess[]> StartAllAsync(string[] store) =>
        _cluster.StartNodesAsync(store, 3, "--repository", Path.Combine(_cluster.Root, "repository"));

    private async Task<int?> MembershipStatusAsync(int siloPort)
    {
        await using var connection = new NpgsqlConnection(_cluster.Postgres!.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status FROM stoke_membership WHERE port = @port ORDER BY generation DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("port", siloPort);
        return await command.ExecuteScalarAsync() as int?;
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
