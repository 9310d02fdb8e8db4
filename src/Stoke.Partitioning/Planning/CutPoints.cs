using Stoke.Partitioning.Graph;

namespace Stoke.Partitioning.Planning;

/// <summary>
/// The tensors live at each position of the node order: cut k (between node k-1 and node k) passes every tensor
/// produced before it (or fed to the graph) that a node at or after k reads or that the graph outputs. Weights are
/// never live: each slice carries those it reads. A cut is valid when something is live and all of it is a tensor of
/// known type.
/// </summary>
internal sealed class CutPoints
{
    private readonly List<string>[] _live;

    private CutPoints(List<string>[] live, long[] bytes, bool[] valid)
    {
        _live = live;
        Bytes = bytes;
        Valid = valid;
    }

    /// <summary>Estimated bytes passed at each cut, index 0..n.</summary>
    public IReadOnlyList<long> Bytes { get; }

    /// <summary>Whether each position 1..n-1 may be cut (0 and n are the model's own ends).</summary>
    public IReadOnlyList<bool> Valid { get; }

    /// <summary>How many positions may be cut.</summary>
    public int ValidCount => Valid.Count(v => v);

    /// <summary>The tensors live at cut <paramref name="position"/>, in the order they became live.</summary>
    public IReadOnlyList<string> LiveAt(int position) => _live[position];

    public static CutPoints Analyse(GraphIndex index, TensorTypes types, NominalSizes sizes)
    {
        var n = index.Nodes.Count;
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in index.Nodes)
        {
            foreach (var name in node.Reads.Where(r => !index.IsWeight(r)))
            {
                lastUse[name] = node.Position;
            }
        }

        foreach (var output in index.Outputs.Where(o => !index.IsWeight(o)))
        {
            lastUse[output] = n;
        }

        var live = new List<string>[n + 1];
        var bytes = new long[n + 1];
        var valid = new bool[n + 1];
        var current = new List<string>(index.Inputs.Where(i => lastUse.ContainsKey(i)));
        for (var k = 0; k <= n; k++)
        {
            if (k > 0)
            {
                var before = k - 1;
                current.AddRange(index.Nodes[before].Writes.Where(w => lastUse.GetValueOrDefault(w, -1) >= k));
                current.RemoveAll(t => lastUse[t] < k);
            }

            live[k] = [.. current];
            bytes[k] = current.Sum(t => types.EstimateBytes(t, sizes));
            valid[k] = k > 0 && k < n && current.Count > 0 && current.All(types.CanCross);
        }

        return new CutPoints(live, bytes, valid);
    }
}
