namespace Stoke.Runtime.Artifacts;

// The tier's least-recently-used order: a use moves a file to the front (and stamps its write time, so the order
// survives a restart), and room is made by unlinking stored files from the cold end.
public sealed partial class DiskTier
{
    private bool TryUse(string sha)
    {
        lock (_gate)
        {
            if (!_index.TryGetValue(sha, out var node) || !node.Value.Stored)
            {
                return false;
            }

            _lru.Remove(node);
            _lru.AddFirst(node);
        }

        // The file's write time is its last use, so the order survives a restart. Best effort: a failure only makes
        // the file look older after a restart.
        try
        {
            File.SetLastWriteTimeUtc(PathFor(sha), _time.GetUtcNow().UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return true;
    }

    // Under the gate: picks stored files from the cold end until `size` more bytes fit. Writes under way are not
    // evictable, so when they alone leave too little room nothing is evicted.
    private bool TryMakeRoom(long size, out List<Entry> victims)
    {
        victims = [];
        if (_writing + size > CapacityBytes)
        {
            return false;
        }

        for (var node = _lru.Last; node is not null && _used + size > CapacityBytes;)
        {
            var previous = node.Previous;
            if (node.Value.Stored)
            {
                Unlink(node);
                victims.Add(node.Value);
            }

            node = previous;
        }

        return true;
    }

    private void Unlink(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _index.Remove(node.Value.Sha);
        _used -= node.Value.Size;
        node.Value.Removed = true;
    }

    private sealed class Entry(string sha, long size)
    {
        public string Sha { get; } = sha;

        public long Size { get; } = size;

        /// <summary>The file is complete (false while it is being written).</summary>
        public bool Stored { get; set; }

        /// <summary>Dropped from the index (evicted, removed, or its write failed).</summary>
        public bool Removed { get; set; }
    }
}
