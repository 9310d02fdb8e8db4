using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Hosting;

/// <summary>Settings of one Stoke node (silo), bound from the <c>Stoke:Node</c> configuration section.</summary>
public sealed class StokeNodeOptions
{
    public const string Section = "Stoke:Node";

    /// <summary>Folder for node-local state (grain state, caches). Default: <c>.stoke</c> under the working directory.</summary>
    public string DataDirectory { get; set; } = Path.Combine(Environment.CurrentDirectory, ".stoke");

    /// <summary>The artifact repository (shared by all nodes of a cluster). Default: <c>DataDirectory/repository</c>.</summary>
    public string? RepositoryDirectory { get; set; }

    /// <summary>Memory budget for instances on this node.</summary>
    public long MemoryBytes { get; set; } = 8L << 30;

    /// <summary>Size of the node's in-memory artifact tier (LRU).</summary>
    public long MemoryTierBytes { get; set; } = 1L << 30;

    /// <summary>How often each active function's control loop runs.</summary>
    public TimeSpan ControlInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a control call to another node (a snapshot probe, a load report) may take before that node counts as
    /// unreachable; it is trusted again when it answers.
    /// </summary>
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Threads one engine call may use; 0 lets the engine decide.</summary>
    public int IntraOpThreads { get; set; }

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

    public string ResolveRepository() => RepositoryDirectory ?? Path.Combine(DataDirectory, "repository");
}
