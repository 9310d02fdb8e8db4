using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Metrics;

namespace Stoke.Runtime.Artifacts;

/// <summary>
/// A node's artifact tiers and the order a cold start tries them in: its memory tier, its disk tier, a peer that holds
/// the artifact in its memory or disk tier, its repository, and last a peer that holds it in its own repository (so a
/// cluster works with per-node repositories, no shared folder). Bytes from a peer are checked for size and SHA-256
/// before use; a bad or failed copy is logged and the next source tried. What came from a slower tier is kept in the
/// faster ones: in memory at once, on disk in the background so the cold start does not wait for the write.
/// The same object answers peers: which tier holds an artifact, and its bytes in chunks.
/// </summary>
public sealed partial class NodeArtifacts : IAsyncDisposable
{
    private readonly IArtifactPeers _peers;
    private readonly StokeNodeOptions _options;
    private readonly TimeProvider _time;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Lock _writesGate = new();
    private readonly HashSet<Task> _diskWrites = [];

    public NodeArtifacts(IOptions<StokeNodeOptions> options, IArtifactPeers peers, TimeProvider time, RuntimeMetrics metrics, ILoggerFactory loggers)
    {
        _options = options.Value;
        _peers = peers;
        _time = time;
        _metrics = metrics;
        _logger = loggers.CreateLogger<NodeArtifacts>();
        Repository = new ArtifactRepository(_options.ResolveRepository(), time);
        Memory = new MemoryTier(_options.MemoryTierBytes);
        Disk = new DiskTier(_options.ResolveDiskTier(), _options.DiskTierBytes, time, loggers.CreateLogger<DiskTier>());
    }

    public ArtifactRepository Repository { get; }

    public MemoryTier Memory { get; }

    public DiskTier Disk { get; }

    /// <summary>The artifact's verified bytes from the fastest source holding them, and the tier that was.</summary>
    public async Task<(byte[] Bytes, string Tier)> FetchAsync(ArtifactRef artifact, CancellationToken cancellationToken)
    {
        if (Memory.TryGet(artifact.Sha256, out var cached))
        {
            return (cached, ArtifactTier.Memory);
        }

        var disk = await Disk.TryGetAsync(artifact, cancellationToken);
        if (disk.WasCorrupt)
        {
            _metrics.RecordArtifactRejected(ArtifactTier.Disk, "hash");
        }

        if (disk.Bytes is { } fromDisk)
        {
            Memory.Put(artifact.Sha256, fromDisk);
            return (fromDisk, ArtifactTier.Disk);
        }

        var peers = _options.PeerFetch ? await _peers.FindAsync(artifact, cancellationToken) : [];
        foreach (var peer in peers.Where(p => p.Tier != ArtifactTier.Repository))
        {
            if (await FromPeerAsync(peer, artifact, cancellationToken) is { } fromPeer)
            {
                Keep(artifact, fromPeer);
                return (fromPeer, ArtifactTier.Peer);
            }
        }

        var repositoryError = "it is not there";
        if (Repository.Contains(artifact.Sha256))
        {
            try
            {
                var fromRepository = await Repository.GetAsync(artifact, cancellationToken);
                Keep(artifact, fromRepository);
                return (fromRepository, ArtifactTier.Repository);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                repositoryError = ex.Message;
                _metrics.RecordArtifactRejected(ArtifactTier.Repository, ex is InvalidDataException ? "hash" : "error");
                Log.RepositoryFailed(_logger, artifact.Sha256, ex.Message);
            }
        }

        // The repository is this node's own (no shared folder) or lost the file: a peer's repository may have it.
        foreach (var peer in peers.Where(p => p.Tier == ArtifactTier.Repository))
        {
            if (await FromPeerAsync(peer, artifact, cancellationToken) is { } fromPeer)
            {
                Keep(artifact, fromPeer);
                return (fromPeer, ArtifactTier.Peer);
            }
        }

        throw new StokeException(
            StokeErrorKind.Internal,
            $"Artifact {artifact.FileName} ({artifact.Sha256}) is in no tier of this node, in none of {peers.Count} peers that answered, " +
            $"and could not be read from the repository at {Repository.Root}: {repositoryError}.");
    }

    /// <summary>Which of this node's tiers holds the artifact (memory, disk or repository), for a peer; null if none.</summary>
    public string? TierOf(string sha256) =>
        Memory.Contains(sha256) ? ArtifactTier.Memory
        : Disk.Contains(sha256) ? ArtifactTier.Disk
        : Repository.Contains(sha256) ? ArtifactTier.Repository
        : null;

    /// <summary>
    /// Streams the artifact to a peer in chunks of <paramref name="chunkBytes"/> (clamped to the allowed range), from the
    /// fastest tier holding it. A file that turns out not to match its hash ends the stream with an error (and leaves the
    /// disk tier); the peer checks the hash of what it received in any case.
    /// </summary>
    public async IAsyncEnumerable<byte[]> ServeAsync(ArtifactRef artifact, int chunkBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = Math.Clamp(chunkBytes, StokeNodeOptions.MinPeerChunkBytes, StokeNodeOptions.MaxPeerChunkBytes);
        if (Memory.TryGet(artifact.Sha256, out var bytes))
        {
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset)).ToArray();
            }

            Log.Served(_logger, artifact.Sha256, ArtifactTier.Memory, bytes.LongLength);
            yield break;
        }

        var tier = ArtifactTier.Disk;
        Stream? file = Disk.OpenRead(artifact.Sha256);
        if (file is null && Repository.Contains(artifact.Sha256))
        {
            tier = ArtifactTier.Repository;
            file = new FileStream(Repository.PathFor(artifact), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }

        if (file is null)
        {
            throw new FileNotFoundException($"Artifact {artifact.Sha256} is no longer on this node.");
        }

        long sent = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (file)
        {
            while (true)
            {
                var buffer = new byte[chunk];
                var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                var piece = read == buffer.Length ? buffer : buffer[..read];
                hash.AppendData(piece);
                sent += read;
                yield return piece;
            }
        }

        var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(sha, artifact.Sha256, StringComparison.Ordinal))
        {
            if (tier == ArtifactTier.Disk)
            {
                Disk.Remove(artifact.Sha256);
            }

            throw new InvalidDataException($"The {tier} file of artifact {artifact.Sha256} is corrupt: its SHA-256 is {sha}.");
        }

        Log.Served(_logger, artifact.Sha256, tier, sent);
    }

    /// <summary>
    /// Deletes an artifact that no function uses any more from every tier of this node; true when the repository held
    /// it. A disk write of it under way is discarded when it ends.
    /// </summary>
    public bool Forget(string sha256)
    {
        Memory.Remove(sha256);
        Disk.Remove(sha256);
        return Repository.Delete(sha256);
    }

    /// <summary>Completes when the disk writes started so far have ended (node shutdown; tests).</summary>
    public Task WhenStoredAsync()
    {
        lock (_writesGate)
        {
            return Task.WhenAll([.. _diskWrites]);
        }
    }

    public async ValueTask DisposeAsync() => await WhenStoredAsync();

    private void Keep(ArtifactRef artifact, byte[] bytes)
    {
        Memory.Put(artifact.Sha256, bytes);
        if (Disk.CapacityBytes == 0 || Disk.Contains(artifact.Sha256))
        {
            return;
        }

        // Off the caller's scheduler (a grain's) and off the cold start's path.
        var write = Task.Run(async () =>
        {
            try
            {
                await Disk.PutAsync(artifact.Sha256, bytes, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.DiskWriteFailed(_logger, artifact.Sha256, ex);
            }
        });
        lock (_writesGate)
        {
            _diskWrites.Add(write);
        }

        write.ContinueWith(
            (done, state) =>
            {
                var self = (NodeArtifacts)state!;
                lock (self._writesGate)
                {
                    self._diskWrites.Remove(done);
                }
            },
            this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Fetched artifact {Sha256} from peer {Peer} ({PeerTier}): {Bytes} bytes in {Ms:F1} ms, hash checked")]
        public static partial void PeerFetched(ILogger logger, string sha256, string peer, string peerTier, long bytes, double ms);

        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Refused artifact {Sha256} from peer {Peer} ({PeerTier}): {Reason}; trying the next source")]
        public static partial void PeerRejected(ILogger logger, string sha256, string peer, string peerTier, string reason);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Could not read artifact {Sha256} from the repository: {Reason}")]
        public static partial void RepositoryFailed(ILogger logger, string sha256, string reason);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Debug, Message = "Served artifact {Sha256} to a peer from the {Tier} tier: {Bytes} bytes")]
        public static partial void Served(ILogger logger, string sha256, string tier, long bytes);

        [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Could not keep artifact {Sha256} in the disk tier")]
        public static partial void DiskWriteFailed(ILogger logger, string sha256, Exception exception);

        [LoggerMessage(EventId = 1205, Level = LogLevel.Debug, Message = "Closing a peer's artifact stream failed: {Reason}")]
        public static partial void PeerStreamDisposeFailed(ILogger logger, string reason);
    }
}
