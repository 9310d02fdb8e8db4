using Stoke.Client;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// Real `stoke serve` processes on one real store (a redis-server or a PostgreSQL server this starts), each with its
/// own data folder under one temporary root; disposing ends them all and deletes the root.
/// </summary>
internal sealed class ProcessCluster(string name) : IAsyncDisposable
{
    private readonly List<StokeProcess> _nodes = [];
    private RedisServer? _redis;

    public string Root { get; } = Directory.CreateTempSubdirectory($"stoke-{name}-").FullName;

    /// <summary>The PostgreSQL server, once <see cref="StartStoreAsync"/> started one.</summary>
    public PostgresServer? Postgres { get; private set; }

    /// <summary>Every process started, restarts included (for their output).</summary>
    public IReadOnlyList<StokeProcess> Nodes => _nodes;

    /// <summary>Starts the store and returns the `stoke serve` options that point at it.</summary>
    public async Task<string[]> StartStoreAsync(string backend)
    {
        switch (backend)
        {
            case "redis":
                _redis = await RedisServer.StartAsync();
                return ["--redis", _redis.ConnectionString];
            case "postgres":
                Postgres = await PostgresServer.StartAsync();
                return ["--postgres", Postgres.ConnectionString];
            default:
                throw new ArgumentOutOfRangeException(nameof(backend), backend, "redis or postgres");
        }
    }

    /// <summary>Data folder of node <paramref name="index"/> (kept across its restarts).</summary>
    public string DataOf(int index) => Path.Combine(Root, "node" + index);

    /// <summary>Starts <paramref name="count"/> nodes on <paramref name="store"/>, each with its data folder and <paramref name="extra"/>.</summary>
    public async Task<StokeProcess[]> StartNodesAsync(string[] store, int count, params string[] extra)
    {
        var nodes = await Task.WhenAll(Enumerable.Range(0, count).Select(i => StokeProcess.StartAsync([.. store, "--data", DataOf(i), .. extra])));
        _nodes.AddRange(nodes);
        return nodes;
    }

    /// <summary>Nodes that <paramref name="node"/>'s `/api/status` lists.</summary>
    public static async Task<int> NodeCountAsync(StokeProcess node)
    {
        using var client = new StokeClient(node.Url);
        return (await client.StatusAsync())["nodes"]!.AsArray().Count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }
}
