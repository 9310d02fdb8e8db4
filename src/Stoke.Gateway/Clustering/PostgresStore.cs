using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Hosting;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Storage;

namespace Stoke.Gateway.Clustering;

/// <summary>
/// PostgreSQL as the cluster's store: Orleans' ADO.NET membership and the <c>stoke</c> grain storage on ADO.NET
/// (invariant "Npgsql"), probed with <c>SELECT 1</c>. The providers need Orleans' ADO.NET schema (its tables and the
/// <c>OrleansQuery</c> rows); the start check names what is missing.
/// </summary>
public static class PostgresStore
{
    public const string Backend = "postgres";

    /// <summary>The ADO.NET invariant name Orleans maps to Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Tables of Orleans' ADO.NET schema the clustering and persistence providers use (unquoted, so lower case).</summary>
    public static readonly string[] Tables = ["orleansquery", "orleansmembershipversiontable", "orleansmembershiptable", "orleansstorage"];

    /// <summary>Some of the <c>OrleansQuery</c> rows each provider reads: their absence means a script was not applied.</summary>
    public static readonly string[] Queries = ["MembershipReadAllKey", "InsertMembershipKey", "ReadFromStorageKey", "WriteToStorageKey"];

    /// <summary>How long the start check waits to connect.</summary>
    private const int ConnectTimeoutSeconds = 5;

    public static void Use(ISiloBuilder silo, string connectionString)
    {
        var builder = Parse(connectionString);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(StokeStorage.Name, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.Services.AddSingleton<IStoreProbe>(new PostgresStoreProbe(builder));
        silo.Services.AddSingleton<IHostedService>(new StoreStartCheck(ct => CheckAsync(builder, ct)));
    }

    /// <summary>Parses an Npgsql connection string ("Host=...;Database=...;Username=..."), naming what is wrong.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new ClusterStoreException($"The PostgreSQL connection string is not valid: {ex.Message} (expected Host=...;Port=...;Database=...;Username=...;Password=...).", ex);
        }

        return string.IsNullOrWhiteSpace(builder.Host)
            ? throw new ClusterStoreException("The PostgreSQL connection string names no server: add Host=... (and Port, Database, Username, Password).")
            : builder;
    }

    /// <summary>Connects once, then checks that Orleans' ADO.NET schema is there.</summary>
    public static async Task CheckAsync(NpgsqlConnectionStringBuilder configured, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(configured.ConnectionString) { Timeout = ConnectTimeoutSeconds, Pooling = false };
        var where = Describe(builder);
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (PostgresException ex)
        {
            throw new ClusterStoreException($"PostgreSQL at {where} refused the connection: {ex.MessageText} (SQLSTATE {ex.SqlState}).", ex);
        }
        catch (NpgsqlException ex)
        {
            throw new ClusterStoreException($"Cannot reach PostgreSQL at {where}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        var missing = await MissingSchemaAsync(connection, cancellationToken);
        if (missing.Count > 0)
        {
            throw new ClusterStoreException(
                $"The PostgreSQL database at {where} lacks Orleans' ADO.NET schema (missing: {string.Join(", ", missing)}). " +
                "Stoke does not create it: the Orleans NuGet packages do not ship the scripts. Apply PostgreSQL-Main.sql, " +
                "PostgreSQL-Clustering.sql and PostgreSQL-Persistence.sql from the Orleans source of the version Stoke uses " +
                $"({typeof(Orleans.Hosting.AdoNetHostingExtensions).Assembly.GetName().Version?.ToString(3)}, folder src/AdoNet) to this database once, then start again.");
        }
    }

    /// <summary>The Orleans tables and query rows the database lacks.</summary>
    public static async Task<List<string>> MissingSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        await using (var tables = new NpgsqlCommand("SELECT t FROM unnest(@tables) AS t WHERE to_regclass(t) IS NULL", connection))
        {
            tables.Parameters.AddWithValue("tables", Tables);
            await using var reader = await tables.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                missing.Add("table " + reader.GetString(0));
            }
        }

        if (missing.Contains("table orleansquery"))
        {
            return missing;
        }

        await using var queries = new NpgsqlCommand("SELECT k FROM unnest(@keys) AS k WHERE NOT EXISTS (SELECT 1 FROM orleansquery q WHERE q.querykey = k)", connection);
        queries.Parameters.AddWithValue("keys", Queries);
        await using var rows = await queries.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            missing.Add("OrleansQuery row " + rows.GetString(0));
        }

        return missing;
    }

    /// <summary>host:port/database, never the password.</summary>
    internal static string Describe(NpgsqlConnectionStringBuilder builder) => $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? "postgres"}";
}

/// <summary><c>SELECT 1</c> on a fresh connection (no pool to hold broken ones after the server restarts).</summary>
public sealed class PostgresStoreProbe(NpgsqlConnectionStringBuilder configured) : IStoreProbe
{
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(configured.ConnectionString) { Pooling = false, Timeout = 2 }.ConnectionString;

    public string Backend => PostgresStore.Backend;

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
