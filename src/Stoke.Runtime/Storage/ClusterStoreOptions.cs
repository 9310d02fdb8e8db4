namespace Stoke.Runtime.Storage;

/// <summary>How a node watches its state store, bound from the <c>Stoke:Store</c> configuration section.</summary>
public sealed class ClusterStoreOptions
{
    public const string Section = "Stoke:Store";

    /// <summary>How often the node probes its store (PING, <c>SELECT 1</c>) and checks the cluster marker.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one probe may take before the store counts as down.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Form a new cluster in a store that lost the cluster this node's data folder remembers, instead of refusing to start.</summary>
    public bool AcceptEmptyStore { get; set; }
}
