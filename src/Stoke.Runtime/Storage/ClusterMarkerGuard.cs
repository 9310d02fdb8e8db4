using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Stoke.Runtime.Hosting;

namespace Stoke.Runtime.Storage;

/// <summary>
/// Before a cluster node joins, checks that its store still holds the cluster the node's data folder remembers. A store
/// without a marker is either new (the node forms the cluster and writes one) or came back empty; in the second case
/// the node refuses to start unless <see cref="ClusterStoreOptions.AcceptEmptyStore"/> says to form a new cluster.
/// Runs after the storage providers initialise and before the silo joins the membership.
/// </summary>
public sealed partial class ClusterMarkerGuard(
    IClusterMarkerStore markers,
    StoreHealth health,
    IOptions<StokeNodeOptions> node,
    IOptions<ClusterOptions> cluster,
    IOptions<ClusterStoreOptions> options,
    TimeProvider time,
    ILogger<ClusterMarkerGuard> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>After the storage providers (<see cref="ServiceLifecycleStage.ApplicationServices"/>), before joining.</summary>
    public const int Stage = ServiceLifecycleStage.ApplicationServices + 1;

    /// <summary>The marker of the cluster this node joined; null until it has.</summary>
    public ClusterMarker? Joined { get; private set; }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ClusterMarkerGuard), Stage, CheckAsync);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var dataDirectory = node.Value.DataDirectory;
        var clusterId = cluster.Value.ClusterId;
        var remembered = JoinedCluster.Read(dataDirectory, clusterId);
        ClusterMarker? stored;
        try
        {
            stored = await markers.ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ClusterStoreException($"Cannot read the cluster marker from the {health.Current.Backend} store: {ex.Message}", ex);
        }

        if (stored is null)
        {
            if (remembered is not null && !options.Value.AcceptEmptyStore)
            {
                throw new ClusterStoreException(LostMessage(health.Current.Backend, remembered, JoinedCluster.PathIn(dataDirectory)));
            }

            stored = await markers.CreateAsync(new ClusterMarker { ClusterId = clusterId, Generation = Guid.NewGuid(), CreatedAt = time.GetUtcNow() }, cancellationToken);
            if (remembered is not null)
            {
                Log.Reformed(logger, stored.ToString(), remembered.ToString());
            }
            else
            {
                Log.Formed(logger, stored.ToString());
            }
        }
        else if (remembered is not null && remembered.Generation != stored.Generation)
        {
            Log.JoinedNewer(logger, stored.ToString(), remembered.ToString());
        }
        else
        {
            Log.Joined(logger, stored.ToString());
        }

        JoinedCluster.Write(dataDirectory, stored);
        Joined = stored;
        health.Watch(markers, stored);
    }

    /// <summary>What was lost and how to go on, for the refusal at start and for a running node's report.</summary>
    public static string LostMessage(string backend, ClusterMarker remembered, string rememberedIn) =>
        $"The {backend} store has no record of {remembered}, which this node joined (remembered in {rememberedIn}). " +
        "The store restarted empty or was wiped: the functions registry (every deployed function and version), the usage ledger " +
        "and the cluster membership it held are lost. To form a new, empty cluster in this store, start with --accept-empty-store " +
        "(Stoke:Store:AcceptEmptyStore) and deploy the functions again; to keep the old cluster, point the node at the store that still holds it.";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Formed {Cluster} in an empty store")]
        public static partial void Formed(ILogger logger, string cluster);

        [LoggerMessage(EventId = 1211, Level = LogLevel.Information, Message = "Joined {Cluster}")]
        public static partial void Joined(ILogger logger, string cluster);

        [LoggerMessage(EventId = 1212, Level = LogLevel.Warning, Message = "Formed {Cluster} in a store that had lost {Previous}, as the operator accepted an empty store")]
        public static partial void Reformed(ILogger logger, string cluster, string previous);

        [LoggerMessage(EventId = 1213, Level = LogLevel.Warning, Message = "Joined {Cluster}, formed in this store after {Previous}, which this node last belonged to, was lost")]
        public static partial void JoinedNewer(ILogger logger, string cluster, string previous);
    }
}
