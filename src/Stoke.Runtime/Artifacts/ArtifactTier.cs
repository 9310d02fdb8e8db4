namespace Stoke.Runtime.Artifacts;

/// <summary>
/// Names of the tiers a cold start can load from, as reported in the <c>Stoke-Cold-Start-Tier</c> header, usage
/// records and metrics. Fastest first: the node's memory tier, its disk tier, a peer node, the repository.
/// </summary>
public static class ArtifactTier
{
    public const string Memory = "memory";
    public const string Disk = "disk";
    public const string Peer = "peer";
    public const string Repository = "repository";
}
