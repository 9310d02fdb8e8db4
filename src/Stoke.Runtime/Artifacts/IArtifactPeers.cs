using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Artifacts;

/// <summary>
/// The other nodes a cold start may fetch an artifact from instead of the repository (ServerlessLLM's nearest tier).
/// An implementation only moves bytes: the caller checks size and SHA-256 of what a peer sends before using it.
/// </summary>
public interface IArtifactPeers
{
    /// <summary>
    /// The peers that say they hold the artifact, fastest tier first. A peer that does not answer in time is left
    /// out rather than waited for.
    /// </summary>
    Task<IReadOnlyList<ArtifactPeer>> FindAsync(ArtifactRef artifact, CancellationToken cancellationToken);

    /// <summary>Streams the artifact's bytes from the peer in chunks, in order.</summary>
    IAsyncEnumerable<byte[]> ReadAsync(ArtifactPeer peer, ArtifactRef artifact, CancellationToken cancellationToken);
}

/// <summary>A peer node holding an artifact, and the tier it holds it in (<see cref="ArtifactTier"/>).</summary>
public sealed record ArtifactPeer(string NodeId, string Tier);
