using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Hosting;

/// <summary>Settings of one Stoke node (silo), bound from the <c>Stoke:Node</c> configuration section.</summary>
public sealed class StokeNodeOptions
{
    public const string Section = "Stoke:Node";

    /// <summary>Folder for node-local state (grain state, caches). Default: <c>.stoke</c> under the working directory.</summary>
    public string DataDirectory { get; set; } = Path.Combine(Environment.CurrentDirectory, ".stoke");

    /// <summary>
    /// The artifact repository. Nodes of a cluster may share one folder, but need not: a node fetches an artifact its
    /// repository lacks from a peer. Default: <c>DataDirectory/repository</c>.
    /// </summary>
    public string? RepositoryDirectory { get; set; }

    /// <summary>Memory budget for instances on this node.</summary>
    public long MemoryBytes { get; set; } = 8L << 30;

    /// <summary>Size of the node's in-memory artifact tier (LRU).</summary>
    public long MemoryTierBytes { get; set; } = 1L << 30;

    /// <summary>Size of the node's disk artifact tier (LRU, kept across restarts); 0 turns it off.</summary>
    public long DiskTierBytes { get; set; } = 10L << 30;

    /// <summary>Folder of the disk tier, local to this node. Default: <c>DataDirectory/cache/artifacts</c>.</summary>
    public string? DiskTierDirectory { get; set; }

    /// <summary>Fetch artifacts from peer nodes (their memory and disk tiers, or their repositories) on a cold start.</summary>
    public bool PeerFetch { get; set; } = true;

    /// <summary>
    /// At a deploy, have every reachable node copy the artifact into its own repository, so that without a shared
    /// repository a model survives the loss of the node that deployed it. Off: only the deploying node keeps it
    /// durably (the others fetch it from a peer at their first cold start and cache it).
    /// </summary>
    public bool ReplicateArtifacts { get; set; } = true;

    /// <summary>How long a cold start waits for peers to say whether they hold an artifact; a slower peer is skipped.</summary>
    public TimeSpan PeerQueryTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a peer may take to send the next chunk of an artifact before the fetch moves on.</summary>
    public TimeSpan PeerReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes per chunk of a peer fetch, one Orleans message each (64 KiB to 16 MiB).</summary>
    public int PeerChunkBytes { get; set; } = 4 << 20;

    /// <summary>
    /// How often the node checks whether a burst of allocation (deploys, a restart's loads, a load spike) has settled,
    /// and then gives the heap's free memory back once with an aggressive collection (<c>IdleCompaction</c>).
    /// Zero turns it off.
    /// </summary>
    public TimeSpan CompactionCheck { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each active function's control loop runs.</summary>
    public TimeSpan ControlInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a control call to another node (a snapshot probe, a load report) may take before that node counts as
    /// unreachable; it is trusted again when it answers.
    /// </summary>
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Threads one engine call may use; 0 lets the engine decide.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>The power model each request's energy is estimated with (<c>Stoke:Node:Energy:WattsPerCore</c>, ...).</summary>
    public Abstractions.Usage.EnergyModel Energy { get; set; } = new();

    /// <summary>Cores one engine call keeps busy, for the energy estimate: the threads it may use.</summary>
    public int EngineCores => IntraOpThreads > 0 ? Math.Min(IntraOpThreads, Environment.ProcessorCount) : Environment.ProcessorCount;

    /// <summary>Let engine worker threads spin between calls (lower latency on cores the node has to itself).</summary>
    public bool EngineThreadSpinning { get; set; }

    /// <summary>Placement policy for new instances.</summary>
    public string Placement { get; set; } = PolicyNames.LocalityAware;

    /// <summary>Eviction policy when the node's memory is full.</summary>
    public string Eviction { get; set; } = PolicyNames.LruEviction;

    /// <summary>Requests one instance's batch queue holds before it refuses more.</summary>
    public int InstanceQueueCapacity { get; set; } = 1024;

    /// <summary>Labels of this node, matched against a function's placement labels.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    public const int MinPeerChunkBytes = 64 << 10;

    public const int MaxPeerChunkBytes = 16 << 20;

    public string ResolveRepository() => RepositoryDirectory ?? Path.Combine(DataDirectory, "repository");

    public string ResolveDiskTier() => DiskTierDirectory ?? Path.Combine(DataDirectory, "cache", "artifacts");
}
