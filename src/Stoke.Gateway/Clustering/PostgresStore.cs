using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Hosting;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Storage;

namespace Stoke.Gateway.Clustering;

/// <summary>
/// PostgreSQL as the cluster's store: Orleans' ADO.NET membership and the <c>stoke</c> grain storage on ADO.NET
/// (invariant "Npgsql") over Stoke's own schema (<see cref="PostgresSchema"/>), which the start check applies when it
/// is missing; probed with <c>SELECT 1</c>.
/// </summary>
public static partial class PostgresStore
{
    public const string Backend = "postgres";

    /// <summary>The ADO.NET invariant name Orleans maps to Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>How long the start check waits to connect.</summary>
    private const int ConnectTimeoutSeconds = 5;

    /// <summary>SQLSTATE insufficient_privilege.</summary>
    private const string InsufficientPrivilege = "42501";

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
        StoreUnavailable.Decorate(silo.Services, StokeStorage.Name, $"{Backend} at {Describe(builder)}", IsUnavailable);
        silo.Services.AddSingleton<IStoreProbe>(new PostgresStoreProbe(builder));
        silo.Services.AddSingleton<IHostedService>(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PostgresStore).FullName!);
            return new StoreStartCheck(ct => CheckAsync(builder, logger, ct));
        });
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

    /// <summary>Connects once, then applies Stoke's schema when it is missing (<see cref="PostgresSchema.EnsureAsync"/>);
    /// a schema Stoke did not create must hold every query key the providers need.</summary>
    public static async Task CheckAsync(NpgsqlConnectionStringBuilder configured, ILogger logger, CancellationToken cancellationToken)
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

        PostgresSchemaOutcome outcome;
        try
        {
            outcome = await PostgresSchema.EnsureAsync(connection, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == InsufficientPrivilege)
        {
            throw new ClusterStoreException(
                $"PostgreSQL user {connection.UserName} may not create Stoke's schema in {where}: {ex.MessageText}. " +
                $"Grant it CREATE on the schema Stoke's tables go in, the first on its search path (e.g. GRANT CREATE ON SCHEMA public TO {connection.UserName}), " +
                "or start one node once as a user that may.", ex);
        }
        catch (PostgresException ex)
        {
            throw new ClusterStoreException($"Could not apply Stoke's schema to PostgreSQL at {where}: {ex.MessageText} (SQLSTATE {ex.SqlState}).", ex);
        }

        switch (outcome)
        {
            case PostgresSchemaOutcome.Created or PostgresSchemaOutcome.Upgraded:
                Log.SchemaApplied(logger, PostgresSchema.Version, where, outcome);
                break;
            case PostgresSchemaOutcome.Newer:
                Log.SchemaNewer(logger, where, PostgresSchema.Version);
                break;
            case PostgresSchemaOutcome.Foreign:
                var missing = await PostgresSchema.MissingQueriesAsync(connection, cancellationToken);
                if (missing.Count > 0)
                {
                    throw new ClusterStoreException(
                        $"The PostgreSQL database at {where} has an OrleansQuery table that Stoke did not create, and it lacks " +
                        $"the queries {string.Join(", ", missing)}. Give Stoke a database (or schema) of its own, where it creates its schema itself, " +
                        "or complete that table.");
                }

                Log.SchemaForeign(logger, where);
                break;
        }
    }

    /// <summary>
    /// The server cannot be reached or is going down or starting up: a failed connection or I/O (Npgsql marks those
    /// transient), a connection exception (SQLSTATE class 08), or an operator intervention (57P01-57P03: shutdown,
    /// crash shutdown, cannot connect now).
    /// </summary>
    public static bool IsUnavailable(Exception exception) => StoreUnavailable.AnyInChain(exception, e => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException n => n.IsTransient,
        TimeoutException or System.Net.Sockets.SocketException => true,
        _ => false,
    });

    /// <summary>host:port/database, never the password.</summary>
    internal static string Describe(NpgsqlConnectionStringBuilder builder) => $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? "postgres"}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1230, Level = LogLevel.Information, Message = "Applied Stoke's PostgreSQL schema version {Version} to {Where} ({Outcome})")]
        public static partial void SchemaApplied(ILogger logger, int version, string where, PostgresSchemaOutcome outcome);

        [LoggerMessage(EventId = 1231, Level = LogLevel.Warning, Message = "PostgreSQL at {Where} holds a Stoke schema newer than version {Version}, applied by a newer Stoke; using it as it is")]
        public static partial void SchemaNewer(ILogger logger, string where, int version);

        [LoggerMessage(EventId = 1232, Level = LogLevel.Information, Message = "PostgreSQL at {Where} holds an OrleansQuery table that Stoke did not create; using its queries")]
        public static partial void SchemaForeign(ILogger logger, string where);
    }
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
