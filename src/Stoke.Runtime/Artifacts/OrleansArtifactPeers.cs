using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Stoke.Abstractions.Functions;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;

namespace Stoke.Runtime.Artifacts;

/// <summary>
/// Peers over Orleans: asks the NodeGrain of every other active silo which tier holds the artifact, all within one
/// <see cref="StokeNodeOptions.PeerQueryTimeout"/> (a dead or slow peer is skipped, not waited for), and streams the
/// bytes from the chosen peer in chunks of <see cref="StokeNodeOptions.PeerChunkBytes"/>, one chunk per message, so an
/// artifact of hundreds of MB stays far below Orleans' message size limit.
/// </summary>
public sealed partial class OrleansArtifactPeers(
    IClusterMembershipService membership, IGrainFactory grains, NodeIdentity local, IOptions<StokeNodeOptions> options,
    TimeProvider time, ILogger<OrleansArtifactPeers> logger) : IArtifactPeers
{
    private readonly StokeNodeOptions _options = options.Value;

    public async Task<IReadOnlyList<ArtifactPeer>> FindAsync(ArtifactRef artifact, CancellationToken cancellationToken)
    {
        var others = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.ToParsableString())
            .Where(id => !string.Equals(id, local.NodeId, StringComparison.Ordinal))
            .ToList();
        if (others.Count == 0)
        {
            return [];
        }

        // Armed before any question goes out: every peer has the same deadline, and the whole query takes no longer.
        using var deadline = new CancellationTokenSource(_options.PeerQueryTimeout, time);
        using var asking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var pending = others.Select(id => AskAsync(id, artifact.Sha256, asking.Token, deadline.Token)).ToList();
        var found = new List<ArtifactPeer>();
        while (pending.Count > 0)
        {
            var answered = await Task.WhenAny(pending);
            pending.Remove(answered);
            if (await answered is { } peer)
            {
                found.Add(peer);
                if (peer.Tier == ArtifactTier.Memory)
                {
                    // Nothing is faster: stop waiting for the others.
                    break;
                }
            }
        }

        await asking.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        return [.. found.OrderBy(p => Rank(p.Tier)).ThenBy(p => p.NodeId, StringComparer.Ordinal)];
    }

    public IAsyncEnumerable<byte[]> ReadAsync(ArtifactPeer peer, ArtifactRef artifact, CancellationToken cancellationToken) =>
        // One chunk per message: Orleans would otherwise pack up to 100 ready elements into one response.
        grains.GetGrain<INodeGrain>(peer.NodeId).ReadArtifact(artifact, _options.PeerChunkBytes, cancellationToken).WithBatchSize(1);

    private async Task<ArtifactPeer?> AskAsync(string nodeId, string sha256, CancellationToken asking, CancellationToken deadline)
    {
        try
        {
            var tier = await grains.GetGrain<INodeGrain>(nodeId).ArtifactTierOf(sha256).WaitAsync(asking);
            return tier is null ? null : new ArtifactPeer(nodeId, tier);
        }
        catch (OperationCanceledException)
        {
            if (deadline.IsCancellationRequested)
            {
                Log.PeerTooSlow(logger, nodeId, sha256, _options.PeerQueryTimeout.TotalMilliseconds);
            }

            return null;
        }
        catch (Exception ex)
        {
            Log.PeerUnreachable(logger, nodeId, sha256, ex.Message);
            return null;
        }
    }

    private static int Rank(string tier) => tier switch
    {
        ArtifactTier.Memory => 0,
        ArtifactTier.Disk => 1,
        _ => 2,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 1220, Level = LogLevel.Warning, Message = "Peer {Peer} did not say within {TimeoutMs} ms whether it holds artifact {Sha256}: skipped")]
        public static partial void PeerTooSlow(ILogger logger, string peer, string sha256, double timeoutMs);

        [LoggerMessage(EventId = 1221, Level = LogLevel.Warning, Message = "Peer {Peer} could not be asked for artifact {Sha256}: {Reason}; skipped")]
        public static partial void PeerUnreachable(ILogger logger, string peer, string sha256, string reason);
    }
}
