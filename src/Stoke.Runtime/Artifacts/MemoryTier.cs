namespace Stoke.Runtime.Artifacts;

/// <summary>
/// A node's in-memory artifact tier: bounded by bytes, least recently used out first. A cold start that finds its
/// artifact here skips the repository read and hash check.
/// </summary>
public sealed class MemoryTier(long capacityBytes)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(string Sha, byte[] Bytes)> _lru = new();
    private readonly Dictionary<string, LinkedListNode<(string Sha, byte[] Bytes)>> _index = new(StringComparer.Ordinal);
    private long _used;

    public long CapacityBytes { get; } = capacityBytes;

    public long UsedBytes
    {
        get { lock (_gate) { return _used; } }
    }

    /// <summary>Whether the tier holds the artifact, without counting as a use.</summary>
    public bool Contains(string sha)
    {
        lock (_gate)
        {
            return _index.ContainsKey(sha);
        }
    }

    public bool TryGet(string sha, out byte[] bytes)
    {
        lock (_gate)
        {
            if (_index.TryGetValue(sha, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                bytes = node.Value.Bytes;
                return true;
            }
        }

        bytes = [];
        return false;
    }

    /// <summary>Adds the bytes, evicting the least recently used; an artifact larger than the tier is not kept.</summary>
    public void Put(string sha, byte[] bytes)
    {
        if (bytes.LongLength > CapacityBytes)
        {
            return;
        }

        lock (_gate)
        {
            if (_index.ContainsKey(sha))
            {
                return;
            }

            while (_used + bytes.LongLength > CapacityBytes && _lru.Last is { } last)
            {
                _lru.RemoveLast();
                _index.Remove(last.Value.Sha);
                _used -= last.Value.Bytes.LongLength;
            }

            _index[sha] = _lru.AddFirst((sha, bytes));
            _used += bytes.LongLength;
        }
    }

    public void Remove(string sha)
    {
        lock (_gate)
        {
            if (_index.Remove(sha, out var node))
            {
                _lru.Remove(node);
                _used -= node.Value.Bytes.LongLength;
            }
        }
    }

    public IReadOnlySet<string> Contents()
    {
        lock (_gate)
        {
            return _index.Keys.ToHashSet(StringComparer.Ordinal);
        }
    }
}
