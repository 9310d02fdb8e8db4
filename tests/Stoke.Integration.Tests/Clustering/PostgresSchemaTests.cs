using Npgsql;
using Stoke.Gateway.Clustering;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Clustering;

/// <summary>Stoke's own PostgreSQL schema applied to a real, empty database: once, again, and by several nodes at once.</summary>
public sealed class PostgresSchemaTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private string _database = null!;

    public async Task InitializeAsync() => _database = await postgres.Server.NewDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AppliesToAnEmptyDatabaseAndFindsItCurrentTheSecondTime()
    {
        await using var connection = await OpenAsync();

        var first = await PostgresSchema.EnsureAsync(connection, CancellationToken.None);
        var second = await PostgresSchema.EnsureAsync(connection, CancellationToken.None);

        Assert.Equal((PostgresSchemaOutcome.Created, PostgresSchemaOutcome.Current), (first, second));
    }

    [Fact]
    public async Task HoldsEveryQueryTheProvidersNeed()
    {
        await using var connection = await OpenAsync();
        await PostgresSchema.EnsureAsync(connection, CancellationToken.None);

        var missing = await PostgresSchema.MissingQueriesAsync(connection, CancellationToken.None);

        Assert.Empty(missing);
    }

    [Fact]
    public async Task NodesApplyingAtOnceCreateItOnce()
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OpenAsync()));
        try
        {
            using var start = new Barrier(connections.Length);
            var outcomes = await Task.WhenAll(connections.Select(c => Task.Run(() =>
            {
                start.SignalAndWait();
                return PostgresSchema.EnsureAsync(c, CancellationToken.None);
            })));

            Assert.Equal(
                [PostgresSchemaOutcome.Created, PostgresSchemaOutcome.Current, PostgresSchemaOutcome.Current, PostgresSchemaOutcome.Current],
                outcomes.Order());
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task BringsAnOlderVersionUpToDate()
    {
        await using var connection = await OpenAsync();
        await PostgresSchema.EnsureAsync(connection, CancellationToken.None);
        await ExecuteAsync(connection, "UPDATE stoke_schema SET version = 0; DELETE FROM orleansquery WHERE querykey = 'ClearStorageKey'");

        var outcome = await PostgresSchema.EnsureAsync(connection, CancellationToken.None);

        Assert.Equal((PostgresSchemaOutcome.Upgraded, 0), (outcome, (await PostgresSchema.MissingQueriesAsync(connection, CancellationToken.None)).Count));
    }

    [Fact]
    public async Task LeavesAQueryTableItDidNotCreateAlone()
    {
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE orleansquery (querykey varchar(64) PRIMARY KEY, querytext text NOT NULL)");

        var outcome = await PostgresSchema.EnsureAsync(connection, CancellationToken.None);

        Assert.Equal((PostgresSchemaOutcome.Foreign, PostgresSchema.RequiredKeys.Count), (outcome, (await PostgresSchema.MissingQueriesAsync(connection, CancellationToken.None)).Count));
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_database + ";Pooling=false");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
