using Npgsql;

namespace Stoke.Gateway.Clustering;

/// <summary>What <see cref="PostgresSchema.EnsureAsync"/> found and did.</summary>
public enum PostgresSchemaOutcome
{
    /// <summary>The database had no schema: Stoke's tables and query rows were created.</summary>
    Created,

    /// <summary>An older Stoke schema was brought to <see cref="PostgresSchema.Version"/>.</summary>
    Upgraded,

    /// <summary>Stoke's schema at <see cref="PostgresSchema.Version"/> was already there.</summary>
    Current,

    /// <summary>A newer Stoke applied a later schema version; this node uses it as it is.</summary>
    Newer,

    /// <summary>An <c>OrleansQuery</c> table that Stoke did not create (Orleans' own scripts): used as it is.</summary>
    Foreign,
}

/// <summary>
/// Stoke's own PostgreSQL schema for Orleans' ADO.NET clustering and <c>stoke</c> grain storage: four tables and the
/// <c>OrleansQuery</c> rows that map each query key the providers look up to SQL over those tables. Each query meets
/// the contract written down in docs/architecture.md ("ADO.NET contract"): its named parameters, the columns the
/// provider reads back, and what it must return. Applied at node start when missing, in one transaction under an
/// advisory lock, so nodes that start together apply it once.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The schema version this build applies, kept in <c>stoke_schema</c>.</summary>
    public const int Version = 1;

    /// <summary>The transaction-level advisory lock that serialises schema changes ("STOKE" and 1).</summary>
    public const long LockKey = 0x53544F4B45000001;

    /// <summary>Orleans' <c>SiloStatus.Dead</c>: the only rows the cleanup queries delete.</summary>
    private const string Dead = "6";

    /// <summary>
    /// The tables. <c>OrleansQuery</c> keeps the name and columns the providers select from; the others are Stoke's.
    /// Every statement is idempotent, so applying them over an existing schema changes nothing.
    /// </summary>
    public const string Tables = """
        CREATE TABLE IF NOT EXISTS stoke_schema (
            singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
            version    integer     NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE IF NOT EXISTS orleansquery (
            querykey  varchar(64) PRIMARY KEY,
            querytext text        NOT NULL
        );

        -- One row per cluster (Orleans' "deployment"): the membership table's version, bumped by every row change.
        CREATE TABLE IF NOT EXISTS stoke_membership_version (
            deployment_id text        PRIMARY KEY,
            version       integer     NOT NULL DEFAULT 0,
            changed_at    timestamptz NOT NULL DEFAULT now()
        );

        -- One row per silo incarnation (address, port, generation).
        CREATE TABLE IF NOT EXISTS stoke_membership (
            deployment_id   text        NOT NULL REFERENCES stoke_membership_version (deployment_id) ON DELETE CASCADE,
            address         text        NOT NULL,
            port            integer     NOT NULL,
            generation      integer     NOT NULL,
            silo_name       text        NOT NULL,
            host_name       text        NOT NULL,
            status          integer     NOT NULL,
            proxy_port      integer     NOT NULL,
            suspect_times   text,
            start_time      timestamptz NOT NULL,
            i_am_alive_time timestamptz NOT NULL,
            PRIMARY KEY (deployment_id, address, port, generation)
        );

        -- One row per grain state. A cleared state keeps its row (payload NULL) and its version goes on.
        CREATE TABLE IF NOT EXISTS stoke_grain_state (
            service_id         text        NOT NULL,
            grain_type         text        NOT NULL,
            grain_id_n0        bigint      NOT NULL,
            grain_id_n1        bigint      NOT NULL,
            grain_id_extension text,
            payload            bytea,
            version            integer     NOT NULL,
            modified_at        timestamptz NOT NULL DEFAULT now()
        );

        -- The grain's identity; a missing key extension (NULL) differs from an empty one.
        CREATE UNIQUE INDEX IF NOT EXISTS stoke_grain_state_identity ON stoke_grain_state
            (service_id, grain_type, grain_id_n0, grain_id_n1, coalesce(grain_id_extension, ''), (grain_id_extension IS NULL));
        """;

    private const string SiloIs = "deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation";

    // Written to match stoke_grain_state_identity, so each lookup is one index probe.
    private const string GrainIs = """
        service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND coalesce(grain_id_extension, '') = coalesce(@GrainIdExtensionString, '')
          AND (grain_id_extension IS NULL) = (@GrainIdExtensionString IS NULL)
        """;

    private const string MemberColumns = """
        v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
        m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
        m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
        """;

    /// <summary>The <c>OrleansQuery</c> rows: query key to SQL.</summary>
    public static readonly IReadOnlyDictionary<string, string> Queries = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Membership. A silo's row ETag is the table version it was read at; Orleans compares the two itself and
        // passes the version it read as @Version to the inserts and updates.
        ["InsertMembershipVersionKey"] = """
            WITH created AS (
                INSERT INTO stoke_membership_version (deployment_id) VALUES (@DeploymentId)
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM created) AS "Created"
            """,
        ["MembershipReadAllKey"] = $"""
            SELECT {MemberColumns}
            FROM stoke_membership_version v
            LEFT JOIN stoke_membership m ON m.deployment_id = v.deployment_id
            WHERE v.deployment_id = @DeploymentId
            """,
        ["MembershipReadRowKey"] = $"""
            SELECT {MemberColumns}
            FROM stoke_membership_version v
            LEFT JOIN stoke_membership m ON m.deployment_id = v.deployment_id
                AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
            WHERE v.deployment_id = @DeploymentId
            """,
        ["InsertMembershipKey"] = $"""
            WITH bumped AS (
                UPDATE stoke_membership_version SET version = version + 1, changed_at = now()
                WHERE deployment_id = @DeploymentId AND version = @Version
                  AND NOT EXISTS (SELECT 1 FROM stoke_membership WHERE {SiloIs})
                RETURNING deployment_id
            ), added AS (
                INSERT INTO stoke_membership
                    (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
                SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
                FROM bumped
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*) = 1 AS "Inserted" FROM added
            """,
        ["UpdateMembershipKey"] = $"""
            WITH bumped AS (
                UPDATE stoke_membership_version SET version = version + 1, changed_at = now()
                WHERE deployment_id = @DeploymentId AND version = @Version
                  AND EXISTS (SELECT 1 FROM stoke_membership WHERE {SiloIs})
                RETURNING deployment_id
            ), changed AS (
                UPDATE stoke_membership m SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
                FROM bumped
                WHERE m.deployment_id = bumped.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
                RETURNING 1
            )
            SELECT count(*) = 1 AS "Updated" FROM changed
            """,
        ["UpdateIAmAlivetimeKey"] = $"""
            UPDATE stoke_membership SET i_am_alive_time = @IAmAliveTime WHERE {SiloIs}
            """,
        ["GatewaysQueryKey"] = """
            SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
            FROM stoke_membership
            WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
            """,
        ["DeleteMembershipTableEntriesKey"] = """
            DELETE FROM stoke_membership_version WHERE deployment_id = @DeploymentId
            """,
        ["CleanupDefunctSiloEntriesKey"] = $"""
            DELETE FROM stoke_membership
            WHERE deployment_id = @DeploymentId AND status = {Dead} AND i_am_alive_time < @IAmAliveTime
            """,
        // Optional: when present, Orleans picks the dead rows itself and deletes each only if it is unchanged since.
        ["CleanupDefunctSiloEntryKey"] = $"""
            DELETE FROM stoke_membership
            WHERE {SiloIs} AND status = {Dead}
              AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
              AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '')
            """,

        // Grain storage. The ETag is the row's version; a write or clear returns the new one, or NULL when the
        // caller's version is stale (the provider then throws InconsistentStateException). No version: the caller
        // believes there is no row, so only an insert may succeed.
        ["ReadFromStorageKey"] = $"""
            SELECT payload AS "PayloadBinary", version AS "Version"
            FROM stoke_grain_state
            WHERE {GrainIs}
            """,
        ["WriteToStorageKey"] = $"""
            WITH inserted AS (
                INSERT INTO stoke_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
                SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @PayloadBinary, 1
                WHERE @GrainStateVersion IS NULL
                ON CONFLICT DO NOTHING
                RETURNING version
            ), updated AS (
                UPDATE stoke_grain_state SET payload = @PayloadBinary, version = version + 1, modified_at = now()
                WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion AND {GrainIs}
                RETURNING version
            )
            SELECT (SELECT version FROM inserted UNION ALL SELECT version FROM updated) AS "NewGrainStateVersion"
            """,
        ["ClearStorageKey"] = $"""
            WITH cleared AS (
                UPDATE stoke_grain_state SET payload = NULL, version = version + 1, modified_at = now()
                WHERE version = @GrainStateVersion AND {GrainIs}
                RETURNING version
            )
            SELECT (SELECT version FROM cleared) AS "NewGrainStateVersion"
            """,
    };

    /// <summary>The keys without which a provider refuses to start: all of the clustering provider's but the optional
    /// <c>CleanupDefunctSiloEntryKey</c>, and the grain storage's read, write and clear.</summary>
    public static readonly IReadOnlyList<string> RequiredKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey", "UpdateIAmAlivetimeKey",
        "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
    ];

    /// <summary>
    /// Creates Stoke's schema in the connection's database (its first schema on the search path) unless it is there,
    /// in one transaction under <see cref="LockKey"/>: a node that waits for another's lock then finds the schema current.
    /// </summary>
    /// <exception cref="PostgresException">The server refused a statement (e.g. the user may not create tables).</exception>
    public static async Task<PostgresSchemaOutcome> EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var locked = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            locked.Parameters.AddWithValue("key", LockKey);
            await locked.ExecuteNonQueryAsync(cancellationToken);
        }

        var (applied, hasQueryTable) = await ReadAppliedAsync(connection, transaction, cancellationToken);
        var outcome = applied switch
        {
            Version => PostgresSchemaOutcome.Current,
            > Version => PostgresSchemaOutcome.Newer,
            null when hasQueryTable => PostgresSchemaOutcome.Foreign,
            null => PostgresSchemaOutcome.Created,
            _ => PostgresSchemaOutcome.Upgraded,
        };

        if (outcome is PostgresSchemaOutcome.Created or PostgresSchemaOutcome.Upgraded)
        {
            await using (var tables = new NpgsqlCommand(Tables, connection, transaction))
            {
                await tables.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var queries = new NpgsqlCommand(
                "INSERT INTO orleansquery (querykey, querytext) SELECT * FROM unnest(@keys, @texts) " +
                "ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext", connection, transaction))
            {
                queries.Parameters.AddWithValue("keys", Queries.Keys.ToArray());
                queries.Parameters.AddWithValue("texts", Queries.Values.ToArray());
                await queries.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var version = new NpgsqlCommand(
                "INSERT INTO stoke_schema (version) VALUES (@version) " +
                "ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, applied_at = now()", connection, transaction);
            version.Parameters.AddWithValue("version", Version);
            await version.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    /// <summary>The <see cref="RequiredKeys"/> that the database's <c>OrleansQuery</c> table lacks (all of them when
    /// there is no such table).</summary>
    public static async Task<List<string>> MissingQueriesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var table = new NpgsqlCommand("SELECT to_regclass('orleansquery') IS NOT NULL", connection))
        {
            if (await table.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return [.. RequiredKeys];
            }
        }

        await using var command = new NpgsqlCommand(
            "SELECT k FROM unnest(@keys) AS k WHERE NOT EXISTS (SELECT 1 FROM orleansquery q WHERE q.querykey = k)", connection);
        command.Parameters.AddWithValue("keys", RequiredKeys.ToArray());
        var missing = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            missing.Add(reader.GetString(0));
        }

        return missing;
    }

    private static async Task<(int? Applied, bool HasQueryTable)> ReadAppliedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        bool hasSchemaTable, hasQueryTable;
        await using (var tables = new NpgsqlCommand("SELECT to_regclass('stoke_schema') IS NOT NULL, to_regclass('orleansquery') IS NOT NULL", connection, transaction))
        await using (var reader = await tables.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            hasSchemaTable = reader.GetBoolean(0);
            hasQueryTable = reader.GetBoolean(1);
        }

        if (!hasSchemaTable)
        {
            return (null, hasQueryTable);
        }

        await using var version = new NpgsqlCommand("SELECT version FROM stoke_schema", connection, transaction);
        return (await version.ExecuteScalarAsync(cancellationToken) is int applied ? applied : null, hasQueryTable);
    }
}
