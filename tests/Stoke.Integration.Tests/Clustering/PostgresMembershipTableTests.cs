using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using Stoke.Gateway.Clustering;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Clustering;

/// <summary>
/// Orleans' own ADO.NET membership table (<see cref="AdoNetClusteringTable"/>) over Stoke's PostgreSQL schema: the
/// semantics Orleans' membership protocol relies on, one at a time, on a real server.
/// </summary>
public sealed class PostgresMembershipTableTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _database = await postgres.Server.NewDatabaseAsync();
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await PostgresSchema.EnsureAsync(connection, CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task InsertSucceedsOnlyAtTheTableVersionTheCallerRead()
    {
        var table = await TableAsync();
        var read = await table.ReadAllAsync();

        var first = await table.InsertRowAsync(Entry(1), read.Version.Next());
        var stale = await table.InsertRowAsync(Entry(2), read.Version.Next());
        var after = await table.ReadAllAsync();

        Assert.Equal((true, false, 1, 1), (first, stale, after.Version.Version, after.Members.Count));
    }

    [Fact]
    public async Task OneOfManyConcurrentInsertsAtOneVersionWins()
    {
        var table = await TableAsync();
        var read = await table.ReadAllAsync();

        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(() => table.InsertRowAsync(Entry(i), read.Version.Next()))));
        var after = await table.ReadAllAsync();

        Assert.Equal((1, 1, 1), (results.Count(r => r), after.Members.Count, after.Version.Version));
    }

    [Fact]
    public async Task InsertOfASiloAlreadyThereFailsAndLeavesTheVersion()
    {
        var table = await TableAsync();
        await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next());
        var read = await table.ReadAllAsync();

        var again = await table.InsertRowAsync(Entry(1), read.Version.Next());

        Assert.Equal((false, 1), (again, (await table.ReadAllAsync()).Version.Version));
    }

    [Fact]
    public async Task UpdateSucceedsOnlyWithTheRowsETagAtTheCurrentVersion()
    {
        var table = await TableAsync();
        await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next());
        var read = await table.ReadAllAsync();
        var (entry, etag) = read.Members[0];
        entry.Status = SiloStatus.ShuttingDown;

        var first = await table.UpdateRowAsync(entry, etag, read.Version.Next());
        var stale = await table.UpdateRowAsync(entry, etag, read.Version.Next());
        var after = await table.ReadAllAsync();

        Assert.Equal((true, false, 2, SiloStatus.ShuttingDown), (first, stale, after.Version.Version, after.Members[0].Item1.Status));
    }

    [Fact]
    public async Task UpdateKeepsSuspicionVotes()
    {
        var table = await TableAsync();
        await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next());
        var read = await table.ReadAllAsync();
        var (entry, etag) = read.Members[0];
        var votes = new List<Tuple<SiloAddress, DateTime>> { Tuple.Create(Silo(2), T0.AddSeconds(5)), Tuple.Create(Silo(3), T0.AddSeconds(6)) };
        entry.SuspectTimes = votes;

        await table.UpdateRowAsync(entry, etag, read.Version.Next());

        Assert.Equal(votes, (await table.ReadAllAsync()).Members[0].Item1.SuspectTimes);
    }

    [Fact]
    public async Task IAmAliveUpdatesTheRowWithoutAVersion()
    {
        var table = await TableAsync();
        var inserted = Entry(1);
        await table.InsertRowAsync(inserted, (await table.ReadAllAsync()).Version.Next());

        await table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = inserted.SiloAddress, IAmAliveTime = T0.AddMinutes(1) });
        var after = await table.ReadAllAsync();

        Assert.Equal((1, T0.AddMinutes(1)), (after.Version.Version, after.Members[0].Item1.IAmAliveTime));
    }

    [Fact]
    public async Task ReadRowReturnsOneSiloAndTheTableVersion()
    {
        var table = await TableAsync();
        await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next());
        await table.InsertRowAsync(Entry(2), (await table.ReadAllAsync()).Version.Next());

        var row = await table.ReadRowAsync(Silo(2));
        var unknown = await table.ReadRowAsync(Silo(9));

        Assert.Equal((2, Silo(2), "silo2", 2, 0), (row.Version.Version, row.Members.Single().Item1.SiloAddress, row.Members[0].Item1.SiloName, unknown.Version.Version, unknown.Members.Count));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CleanupDeletesOnlyDeadSilosOlderThanTheCutoff(bool perRowQuery)
    {
        if (!perRowQuery)
        {
            // Without the optional per-row query the provider falls back to the bulk one.
            await ExecuteAsync("DELETE FROM orleansquery WHERE querykey = 'CleanupDefunctSiloEntryKey'");
        }

        var table = await TableAsync();
        await table.InsertRowAsync(Entry(1, SiloStatus.Dead, T0), (await table.ReadAllAsync()).Version.Next());
        await table.InsertRowAsync(Entry(2, SiloStatus.Active, T0), (await table.ReadAllAsync()).Version.Next());
        await table.InsertRowAsync(Entry(3, SiloStatus.Dead, T0.AddHours(2)), (await table.ReadAllAsync()).Version.Next());

        await table.CleanupDefunctSiloEntriesAsync(T0.AddHours(1));

        Assert.Equal([Silo(2), Silo(3)], (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress).OrderBy(s => s.Endpoint.Port));
    }

    [Fact]
    public async Task DeleteRemovesOnlyThatClustersRows()
    {
        var kept = await TableAsync("kept");
        var deleted = await TableAsync("deleted");
        await kept.InsertRowAsync(Entry(1), (await kept.ReadAllAsync()).Version.Next());
        await deleted.InsertRowAsync(Entry(1), (await deleted.ReadAllAsync()).Version.Next());

        await deleted.DeleteMembershipTableEntriesAsync("deleted");

        Assert.Equal("kept", await ScalarAsync("SELECT string_agg(deployment_id, ',') FROM stoke_membership_version NATURAL JOIN stoke_membership"));
    }

    [Fact]
    public async Task GatewaysListsActiveSilosWithAProxyPort()
    {
        var table = await TableAsync();
        await table.InsertRowAsync(Entry(1), (await table.ReadAllAsync()).Version.Next());
        await table.InsertRowAsync(Entry(2, SiloStatus.Dead, T0), (await table.ReadAllAsync()).Version.Next());
        var gateways = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = PostgresStore.Invariant, ConnectionString = _database }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = "c", ServiceId = "stoke" }));
        await gateways.InitializeGatewayListProviderAsync();

        var listed = await gateways.GetGatewaysAsync();

        Assert.Equal([new Uri("gwy.tcp://127.0.0.1:30001/1")], listed);
    }

    private async Task<AdoNetClusteringTable> TableAsync(string clusterId = "c")
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "stoke" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresStore.Invariant, ConnectionString = _database }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    /// <summary>Silo N listens on port 11000+N (its gateway on 30000+N), generation 1.</summary>
    private static SiloAddress Silo(int n) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11000 + n), 1);

    private static MembershipEntry Entry(int n, SiloStatus status = SiloStatus.Active, DateTime? at = null) => new()
    {
        SiloAddress = Silo(n),
        Status = status,
        SiloName = "silo" + n,
        HostName = "host",
        ProxyPort = 30000 + n,
        StartTime = at ?? T0,
        IAmAliveTime = at ?? T0,
    };

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
