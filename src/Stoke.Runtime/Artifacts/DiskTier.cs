using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stoke.Abstractions.Functions;
using Stoke.Durability;

namespace Stoke.Runtime.Artifacts;

/// <summary>
/// A node's disk artifact tier: a folder of artifact files (<c>&lt;sha256&gt;.bin</c>) bounded by bytes, least recently
/// used out first. It outlives the process: a tier opened on the same folder rescans it and orders the files by their
/// last use, which is kept as each file's write time. A file is written atomically (temporary file, fsync, rename) and
/// hash-checked when read back, so a torn or corrupted file is deleted and reported rather than loaded.
/// A capacity of 0 turns the tier off.
/// </summary>
public sealed partial class DiskTier
{
    private const string Extension = ".bin";
    private const string TempExtension = DurableFile.TempSuffix;

    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _lru = new(); // most recently used first
    private readonly Dictionary<string, LinkedListNode<Entry>> _index = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _used;    // bytes of stored files and of writes under way
    private long _writing; // bytes of writes under way (not evictable)

    public DiskTier(string root, long capacityBytes, TimeProvider time, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        Root = root;
        CapacityBytes = capacityBytes;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        if (capacityBytes > 0)
        {
            Rescan();
        }
    }

    public string Root { get; }

    public long CapacityBytes { get; }

    /// <summary>Bytes of the files in the tier, and of writes under way.</summary>
    public long UsedBytes
    {
        get { lock (_gate) { return _used; } }
    }

    /// <summary>Whether a complete file of the artifact is stored, without counting as a use.</summary>
    public bool Contains(string sha)
    {
        lock (_gate)
        {
            return _index.TryGetValue(sha, out var node) && node.Value.Stored;
        }
    }

    /// <summary>The stored artifacts (SHA-256), for placement.</summary>
    public IReadOnlySet<string> Contents()
    {
        lock (_gate)
        {
            return _index.Values.Where(n => n.Value.Stored).Select(n => n.Value.Sha).ToHashSet(StringComparer.Ordinal);
        }
    }

    public string PathFor(string sha) => Path.Combine(Root, sha + Extension);

    /// <summary>
    /// Reads the artifact and checks its size and SHA-256; a file that fails the check is deleted and reported as
    /// corrupt, so the caller fetches it from the next tier. Counts as a use.
    /// </summary>
    public async Task<DiskTierRead> TryGetAsync(ArtifactRef artifact, CancellationToken cancellationToken)
    {
        if (!TryUse(artifact.Sha256))
        {
            return default;
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(PathFor(artifact.Sha256), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Deleted behind our back (another node sharing the folder, an operator) or unreadable: a miss.
            Log.ReadFailed(_logger, artifact.Sha256, ex.Message);
            Remove(artifact.Sha256);
            return default;
        }

        if (bytes.LongLength != artifact.SizeBytes || !string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), artifact.Sha256, StringComparison.Ordinal))
        {
            Log.Corrupt(_logger, artifact.Sha256, bytes.LongLength, artifact.SizeBytes);
            Remove(artifact.Sha256);
            return new DiskTierRead(null, WasCorrupt: true);
        }

        return new DiskTierRead(bytes, WasCorrupt: false);
    }

    /// <summary>
    /// Opens the artifact's file for a reader that checks the hash itself (a peer being served); null when it is not
    /// stored. Counts as a use.
    /// </summary>
    public FileStream? OpenRead(string sha)
    {
        if (!TryUse(sha))
        {
            return null;
        }

        try
        {
            return new FileStream(PathFor(sha), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.ReadFailed(_logger, sha, ex.Message);
            Remove(sha);
            return null;
        }
    }

    /// <summary>
    /// Stores bytes the caller has verified, evicting least recently used files to make room. Returns false, storing
    /// nothing, when the artifact is already stored or being written, is larger than the tier, or the write fails.
    /// </summary>
    public async Task<bool> PutAsync(string sha, byte[] bytes, CancellationToken cancellationToken)
    {
        var size = bytes.LongLength;
        if (size > CapacityBytes || !IsSha256(sha))
        {
            return false;
        }

        LinkedListNode<Entry> node;
        List<Entry> victims;
        lock (_gate)
        {
            if (_index.ContainsKey(sha) || !TryMakeRoom(size, out victims))
            {
                return false;
            }

            node = _lru.AddFirst(new Entry(sha, size));
            _index[sha] = node;
            _used += size;
            _writing += size;
        }

        DeleteFiles(victims, "evicted for " + sha);
        var path = PathFor(sha);
        try
        {
            // Atomic and durable: a reader sees no file or the whole file, never a part of one, also after a crash.
            await DurableFile.WriteAllBytesAsync(path, bytes, cancellationToken);
            File.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            lock (_gate)
            {
                _writing -= size;
                if (!node.Value.Removed)
                {
                    Unlink(node);
                }
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            Log.WriteFailed(_logger, sha, ex.Message);
            return false;
        }

        bool removedMeanwhile;
        lock (_gate)
        {
            _writing -= size;
            removedMeanwhile = node.Value.Removed;
            node.Value.Stored = !removedMeanwhile;
        }

        if (removedMeanwhile)
        {
            TryDelete(path);
            return false;
        }

        Log.Stored(_logger, sha, size, UsedBytes, CapacityBytes);
        return true;
    }

    /// <summary>Drops the artifact (its file is deleted; a write under way is discarded when it ends).</summary>
    public void Remove(string sha)
    {
        Entry? stored = null;
        lock (_gate)
        {
            if (_index.TryGetValue(sha, out var node))
            {
                Unlink(node);
                if (node.Value.Stored)
                {
                    stored = node.Value;
                }
            }
        }

        if (stored is not null)
        {
            TryDelete(PathFor(stored.Sha));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Disk tier at {Root}: {Count} artifacts, {UsedBytes} of {CapacityBytes} bytes")]
        public static partial void Rescanned(ILogger logger, string root, int count, long usedBytes, long capacityBytes);

        [LoggerMessage(EventId = 1211, Level = LogLevel.Debug, Message = "Disk tier stored {Sha256} ({Bytes} bytes): {UsedBytes} of {CapacityBytes} bytes used")]
        public static partial void Stored(ILogger logger, string sha256, long bytes, long usedBytes, long capacityBytes);

        [LoggerMessage(EventId = 1212, Level = LogLevel.Debug, Message = "Disk tier dropped {Sha256} ({Bytes} bytes): {Reason}")]
        public static partial void Evicted(ILogger logger, string sha256, long bytes, string reason);

        [LoggerMessage(EventId = 1213, Level = LogLevel.Warning, Message = "Disk tier file of {Sha256} is corrupt ({Bytes} bytes, expected {ExpectedBytes}, or a wrong SHA-256): deleted, fetching it again")]
        public static partial void Corrupt(ILogger logger, string sha256, long bytes, long expectedBytes);

        [LoggerMessage(EventId = 1214, Level = LogLevel.Warning, Message = "Disk tier could not store {Sha256}: {Reason}")]
        public static partial void WriteFailed(ILogger logger, string sha256, string reason);

        [LoggerMessage(EventId = 1215, Level = LogLevel.Warning, Message = "Disk tier could not read {Sha256}: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string sha256, string reason);
    }
}

/// <summary>What a disk-tier read found: the verified bytes, nothing (<c>Bytes</c> null), or a corrupt file, now deleted.</summary>
public readonly record struct DiskTierRead(byte[]? Bytes, bool WasCorrupt);
