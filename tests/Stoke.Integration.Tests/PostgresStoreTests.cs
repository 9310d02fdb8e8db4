using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Stoke.Abstractions.Nodes;
using Stoke.Gateway.Clustering;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Storage;

namespace Stoke.Integration.Tests;

/// <summary>`stoke serve --postgres` against a real PostgreSQL server: the start check (and its schema) and the store probe.</summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("stoke-pg-node-").FullName;
    private PostgresServer _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task StartNamesTheQueriesAForeignQueryTableLacks()
    {
        await ExecuteAsync("CREATE TABLE orleansquery (querykey varchar(64) PRIMARY KEY, querytext text NOT NULL)");
        using var host = StokeHost.Create(Settings(_postgres.ConnectionString));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("has an OrleansQuery table that Stoke did not create, and it lacks the queries GatewaysQueryKey, MembershipReadRowKey", ClusterStoreException.Find(error)?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartNamesAUserThatMayNotCreateTheSchema()
    {
        // PostgreSQL 15 grants CREATE on the public schema to the database owner only.
        await ExecuteAsync("CREATE ROLE visitor LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        using var host = StokeHost.Create(Settings(_postgres.ConnectionString.Replace($"Username={PostgresServer.User}", "Username=visitor", StringComparison.Ordinal)));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("PostgreSQL user visitor may not create Stoke's schema", ClusterStoreException.Find(error)?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartNamesADatabaseTheServerDoesNotHave()
    {
        using var host = StokeHost.Create(Settings(_postgres.ConnectionString.Replace("Database=stoke", "Database=nope", StringComparison.Ordinal)));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains($"PostgreSQL at 127.0.0.1:{_postgres.Port}/nope refused the connection: database \"nope\" does not exist (SQLSTATE 3D000)", ClusterStoreException.Find(error)?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeReportsTheServerDownAndBack()
    {
        var health = new StoreHealth(new PostgresStoreProbe(PostgresStore.Parse(_postgres.ConnectionString)), Options.Create(new ClusterStoreOptions()), TimeProvider.System, NullLogger<StoreHealth>.Instance);
        await health.ProbeAsync();
        var before = health.Current.Status;

        await _postgres.StopAsync();
        await health.ProbeAsync();
        var stopped = health.Current;
        await _postgres.RestartAsync();
        await health.ProbeAsync();

        Assert.Equal((StoreState.Ok, StoreState.Down, StoreState.Ok), (before, stopped.Status, health.Current.Status));
        Assert.Contains("Failed to connect", stopped.LastError, StringComparison.Ordinal);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private StokeHostSettings Settings(string postgres) => new()
    {
        Url = "http://127.0.0.1:0",
        DataDirectory = _data,
        Postgres = postgres,
        ClusterId = "pg-" + Guid.NewGuid().ToString("N")[..8],
        SiloPort = FreePorts.Next(),
        GatewayPort = FreePorts.Next(),
    };
}
