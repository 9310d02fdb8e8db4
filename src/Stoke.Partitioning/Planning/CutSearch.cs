using Stoke.Partitioning.Graph;

namespace Stoke.Partitioning.Planning;

/// <summary>
/// Chooses cut positions by dynamic programming over the node order. A slice [a, b) holds the weights its nodes read
/// (a weight read on both sides of a cut is counted in both slices); a plan's cost is the bytes its cuts pass and
/// the memory of its largest slice, compared in the order the caller asks for.
/// </summary>
internal sealed class CutSearch
{
    private readonly GraphIndex _index;
    private readonly CutPoints _cuts;
    private readonly long[] _nodeWeights;

    public CutSearch(GraphIndex index, CutPoints cuts)
    {
        _index = index;
        _cuts = cuts;
        _nodeWeights = [.. Enumerable.Range(0, index.Nodes.Count).Select(i => SliceMemory.Of(index, i, i + 1))];
    }

    /// <summary>Weight bytes each node reads, by position: what the slice holding it needs at least.</summary>
    public IReadOnlyList<long> NodeWeights => _nodeWeights;

    /// <summary>A choice of cuts: the positions (ascending), the bytes they pass in all and the largest slice's weights.</summary>
    public sealed record Choice(IReadOnlyList<int> Positions, long PassedBytes, long LargestSliceBytes);

    /// <summary>
    /// The best plan of exactly <paramref name="parts"/> slices whose every slice holds at most <paramref name="cap"/>
    /// weight bytes, or null when none exists. <paramref name="memoryFirst"/> ranks plans by their largest slice
    /// before the bytes passed; otherwise by the bytes passed first.
    /// </summary>
    public Choice? Best(int parts, long cap, bool memoryFirst) => Best(parts, (size, _) => size <= cap, memoryFirst);

    /// <summary>
    /// As <see cref="Best(int, long, bool)"/>, with a limit that may depend on the slice: <paramref name="fits"/> gets
    /// a slice's weight bytes and those of its heaviest single node (what no cut can split).
    /// </summary>
    public Choice? Best(int parts, Func<long, long, bool> fits, bool memoryFirst)
    {
        var n = _index.Nodes.Count;
        var best = new Entry?[parts + 1, n + 1];
        best[0, 0] = new Entry(0, 0, -1);
        for (var a = 0; a < n; a++)
        {
            if (a > 0 && !_cuts.Valid[a])
            {
                continue;
            }

            var memory = new SliceMemory(_index);
            long heaviest = 0;
            for (var b = a + 1; b <= n; b++)
            {
                var size = memory.Add(_index.Nodes[b - 1]);
                heaviest = Math.Max(heaviest, _nodeWeights[b - 1]);
                if ((b < n && !_cuts.Valid[b]) || !fits(size, heaviest))
                {
                    continue;
                }

                var passed = b < n ? _cuts.Bytes[b] : 0;
                for (var j = 1; j <= parts; j++)
                {
                    if (best[j - 1, a] is not { } from)
                    {
                        continue;
                    }

                    var candidate = new Entry(from.Passed + passed, Math.Max(from.Largest, size), a);
                    if (best[j, b] is not { } incumbent || Better(candidate, incumbent, memoryFirst))
                    {
                        best[j, b] = candidate;
                    }
                }
            }
        }

        if (best[parts, n] is not { } end)
        {
            return null;
        }

        var positions = new List<int>();
        for (int j = parts, b = n; j > 1; j--)
        {
            b = best[j, b]!.Value.From;
            positions.Add(b);
        }

        positions.Reverse();
        return new Choice(positions, end.Passed, end.Largest);
    }

    /// <summary>
    /// The fewest slices under <paramref name="cap"/> (each slice reaching as far as it can: optimal, since a slice's
    /// weights only grow as it does); throws <see cref="ArgumentException"/> naming the node that cannot fit.
    /// </summary>
    public int FewestParts(long cap)
    {
        var n = _index.Nodes.Count;
        var parts = 0;
        for (var a = 0; a < n;)
        {
            var memory = new SliceMemory(_index);
            var reach = -1;
            for (var b = a + 1; b <= n; b++)
            {
                if (memory.Add(_index.Nodes[b - 1]) > cap)
                {
                    break;
                }

                if (b == n || _cuts.Valid[b])
                {
                    reach = b;
                }
            }

            if (reach < 0)
            {
                var node = _index.Nodes[a];
                throw new ArgumentException(
                    $"No slice starting at node {a} ('{node.Label}') fits in {cap / (1024.0 * 1024.0):0.##} MB: it needs " +
                    $"{_nodeWeights[a] / (1024.0 * 1024.0):0.##} MB of weights before the next place the graph can be cut.",
                    "maxPartMb");
            }

            parts++;
            a = reach;
        }

        return parts;
    }

    private static bool Better(Entry x, Entry y, bool memoryFirst) => memoryFirst
        ? x.Largest < y.Largest || (x.Largest == y.Largest && x.Passed < y.Passed)
        : x.Passed < y.Passed || (x.Passed == y.Passed && x.Largest < y.Largest);

    private readonly record struct Entry(long Passed, long Largest, int From);
}

/// <summary>The weight bytes of a slice as nodes join it: each distinct initializer or Constant it reads, once.</summary>
internal sealed class SliceMemory
{
    private readonly GraphIndex _index;
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);

    public SliceMemory(GraphIndex index) => _index = index;

    public long Bytes { get; private set; }

    /// <summary>Adds a node's weights; returns the slice's bytes after it.</summary>
    public long Add(ComputeNode node)
    {
        foreach (var name in node.Reads)
        {
            if (_index.WeightBytes.TryGetValue(name, out var size) && _held.Add(name))
            {
                Bytes += size;
            }
        }

        return Bytes;
    }

    /// <summary>Weight bytes of the slice holding nodes [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static long Of(GraphIndex index, int from, int to)
    {
        var memory = new SliceMemory(index);
        for (var i = from; i < to; i++)
        {
            memory.Add(index.Nodes[i]);
        }

        return memory.Bytes;
    }
}
