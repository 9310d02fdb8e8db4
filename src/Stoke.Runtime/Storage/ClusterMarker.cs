using System.Globalization;
using System.Text.Json;
using Orleans.Runtime;
using Orleans.Storage;

namespace Stoke.Runtime.Storage;

/// <summary>
/// The record a cluster keeps in its store to say "this store holds cluster X, formed at T". A store that comes back
/// empty (Redis restarted without persistence, a wiped database) has lost it, and with it the functions registry and
/// the usage ledger; nodes that remember the marker notice instead of silently forming a second cluster.
/// </summary>
[GenerateSerializer]
public sealed record ClusterMarker
{
    [Id(0)] public string ClusterId { get; init; } = "";

    /// <summary>A new id each time a cluster is formed in a store.</summary>
    [Id(1)] public Guid Generation { get; init; }

    [Id(2)] public DateTimeOffset CreatedAt { get; init; }

    public override string ToString() =>
        $"cluster '{ClusterId}' generation {Generation.ToString("N")[..8]} formed {CreatedAt.ToString("u", CultureInfo.InvariantCulture)}";
}

/// <summary>Where the cluster's marker lives in the store.</summary>
public interface IClusterMarkerStore
{
    /// <summary>The marker in the store, or null when the store has none.</summary>
    Task<ClusterMarker?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="marker"/> unless the store already has one; returns the one the store holds
    /// afterwards (another node's, when two form the cluster at once).</summary>
    Task<ClusterMarker> CreateAsync(ClusterMarker marker, CancellationToken cancellationToken);
}

/// <summary>
/// Keeps the marker as one grain-state record in the node's <c>stoke</c> storage provider, the same store and the
/// same write path as the functions registry, so it vanishes exactly when they do. Creation relies on the
/// provider's ETag check: writing with no ETag over an existing record is a conflict in every provider Stoke uses.
/// </summary>
public sealed class GrainStorageClusterMarkers(IGrainStorage storage, string clusterId) : IClusterMarkerStore
{
    private const string StateName = "cluster";
    private readonly GrainId _id = GrainId.Create("stoke-cluster", clusterId);

    public async Task<ClusterMarker?> ReadAsync(CancellationToken cancellationToken)
    {
        var state = new GrainState<ClusterMarker>();
        await storage.ReadStateAsync(StateName, _id, state);
        return state.RecordExists && state.State is { Generation: var g } marker && g != Guid.Empty ? marker : null;
    }

    public async Task<ClusterMarker> CreateAsync(ClusterMarker marker, CancellationToken cancellationToken)
    {
        try
        {
            await storage.WriteStateAsync(StateName, _id, new GrainState<ClusterMarker>(marker));
            return marker;
        }
        catch (InconsistentStateException)
        {
            return await ReadAsync(cancellationToken)
                ?? throw new ClusterStoreException($"The store refused the cluster marker for '{marker.ClusterId}' but holds none.");
        }
    }
}

/// <summary>The marker of the cluster a node last joined, kept in the node's data folder (<c>cluster.json</c>).</summary>
public static class JoinedCluster
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, "cluster.json");

    /// <summary>The marker this node remembers for <paramref name="clusterId"/>, or null if it never joined that cluster.</summary>
    public static ClusterMarker? Read(string dataDirectory, string clusterId)
    {
        var path = PathIn(dataDirectory);
        if (!File.Exists(path))
        {
            return null;
        }

        var marker = JsonSerializer.Deserialize<ClusterMarker>(File.ReadAllText(path), Json);
        return marker is not null && marker.ClusterId == clusterId ? marker : null;
    }

    public static void Write(string dataDirectory, ClusterMarker marker)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = PathIn(dataDirectory);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(marker, Json));
        File.Move(temp, path, overwrite: true);
    }
}
