using Orleans.Runtime;
using Orleans.Storage;
using Stoke.Runtime.Grains;

namespace Stoke.Runtime.Artifacts;

/// <summary>
/// The users of one artifact, spread by a stable hash of their name over <see cref="Count"/> records of the
/// <c>stoke</c> grain storage, so that a deploy of the 10,000th function sharing an artifact writes about 1/64th of
/// its users instead of all 10,000 (the first layout wrote every user at each acquire: quadratic in the users).
/// A bucket takes a change only once the store has it, as a registry record does.
/// </summary>
internal sealed class ArtifactUserBuckets(IGrainStorage storage, string sha256)
{
    public const int Count = 64;

    private readonly Dictionary<int, Bucket> _loaded = [];

    public int UserCount => _loaded.Values.Sum(b => b.Functions.Count);

    public IEnumerable<string> Users => _loaded.Values.SelectMany(b => b.Functions);

    /// <summary>Which bucket holds <paramref name="function"/>: FNV-1a over its UTF-16 code units, stable across processes.</summary>
    public static int Of(string function)
    {
        var hash = 2166136261u;
        foreach (var c in function)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Count);
    }

    /// <summary>Reads the buckets whose bit is set in <paramref name="mask"/>; returns the mask of those that hold users.</summary>
    public async Task<ulong> LoadAsync(ulong mask)
    {
        var held = 0UL;
        foreach (var index in Enumerable.Range(0, Count).Where(i => (mask & Bit(i)) != 0))
        {
            var state = new GrainState<ArtifactUsersState>();
            await storage.ReadStateAsync(ArtifactUsersState.StateName, IdOf(index), state);
            var bucket = new Bucket(state.State?.Functions ?? new HashSet<string>(StringComparer.Ordinal), state.ETag);
            _loaded[index] = bucket;
            held |= bucket.Functions.Count > 0 ? Bit(index) : 0;
        }

        return held;
    }

    public bool Contains(string function) => _loaded.TryGetValue(Of(function), out var b) && b.Functions.Contains(function);

    /// <summary>Stores the bucket of <paramref name="function"/> with it added.</summary>
    public Task AddAsync(string function) => WriteAsync(Of(function), f => f.Add(function));

    /// <summary>Stores <paramref name="functions"/>, one write per bucket they fall in.</summary>
    public async Task AddAllAsync(IEnumerable<string> functions)
    {
        foreach (var bucket in functions.GroupBy(Of))
        {
            await WriteAsync(bucket.Key, f => f.UnionWith(bucket));
        }
    }

    /// <summary>Stores the bucket of <paramref name="function"/> without it (removes the record once empty); true when the bucket is now empty.</summary>
    public async Task<bool> RemoveAsync(string function)
    {
        var index = Of(function);
        await WriteAsync(index, f => f.Remove(function));
        return !_loaded.ContainsKey(index);
    }

    public static ulong Bit(int index) => 1UL << index;

    private async Task WriteAsync(int index, Action<HashSet<string>> change)
    {
        var current = _loaded.GetValueOrDefault(index) ?? new Bucket(new HashSet<string>(StringComparer.Ordinal), null);
        var next = new HashSet<string>(current.Functions, StringComparer.Ordinal);
        change(next);
        var state = new GrainState<ArtifactUsersState>(new ArtifactUsersState { Functions = next }, current.ETag);
        if (next.Count == 0)
        {
            await storage.ClearStateAsync(ArtifactUsersState.StateName, IdOf(index), state);
            _loaded.Remove(index);
            return;
        }

        await storage.WriteStateAsync(ArtifactUsersState.StateName, IdOf(index), state);
        _loaded[index] = new Bucket(next, state.ETag);
    }

    private GrainId IdOf(int index) => GrainId.Create(ArtifactUsersState.StateName, $"{sha256}/{index}");

    private sealed record Bucket(HashSet<string> Functions, string? ETag);
}
