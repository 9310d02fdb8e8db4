using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Artifacts;

// Fetching an artifact from a peer node: its chunks checked against the artifact's size and hash, a bad copy refused.
public sealed partial class NodeArtifacts
{
    private async Task<byte[]?> FromPeerAsync(ArtifactPeer peer, ArtifactRef artifact, CancellationToken cancellationToken)
    {
        if (artifact.SizeBytes > Array.MaxLength)
        {
            Reject(peer, artifact, "size", $"the artifact's {artifact.SizeBytes} bytes do not fit in one buffer");
            return null;
        }

        var start = _time.GetTimestamp();
        var buffer = new byte[artifact.SizeBytes];
        var received = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Armed before each wait, so a peer that stops sending is given up on after PeerReadTimeout.
        using var idle = new CancellationTokenSource(_options.PeerReadTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        var chunks = _peers.ReadAsync(peer, artifact, linked.Token).GetAsyncEnumerator(linked.Token);
        (string Reason, string Detail)? failure = null;
        try
        {
            while (await chunks.MoveNextAsync().AsTask().WaitAsync(linked.Token))
            {
                var chunk = chunks.Current;
                if (chunk.Length > buffer.Length - received)
                {
                    failure = ("size", $"it sent more than the artifact's {artifact.SizeBytes} bytes");
                    break;
                }

                chunk.CopyTo(buffer, received);
                hash.AppendData(chunk);
                received += chunk.Length;
                idle.CancelAfter(_options.PeerReadTimeout);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = ("timeout", $"it sent nothing for {_options.PeerReadTimeout.TotalSeconds:0.###} s after {received} bytes");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ("error", ex.Message);
        }
        finally
        {
            // Not awaited: telling a dead peer to stop streaming must not hold up the cold start.
            _ = DisposeQuietlyAsync(chunks);
        }

        if (failure is null && received != buffer.Length)
        {
            failure = ("size", $"it sent {received} of {artifact.SizeBytes} bytes");
        }

        if (failure is null)
        {
            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(sha, artifact.Sha256, StringComparison.Ordinal))
            {
                failure = ("hash", $"its bytes have SHA-256 {sha}");
            }
        }

        if (failure is { } f)
        {
            Reject(peer, artifact, f.Reason, f.Detail);
            return null;
        }

        Log.PeerFetched(_logger, artifact.Sha256, peer.NodeId, peer.Tier, received, _time.GetElapsedTime(start).TotalMilliseconds);
        return buffer;
    }

    private void Reject(ArtifactPeer peer, ArtifactRef artifact, string reason, string detail)
    {
        _metrics.RecordArtifactRejected(ArtifactTier.Peer, reason);
        Log.PeerRejected(_logger, artifact.Sha256, peer.NodeId, peer.Tier, detail);
    }

    private async Task DisposeQuietlyAsync(IAsyncEnumerator<byte[]> chunks)
    {
        try
        {
            await chunks.DisposeAsync();
        }
        catch (Exception ex)
        {
            Log.PeerStreamDisposeFailed(_logger, ex.Message);
        }
    }
}
