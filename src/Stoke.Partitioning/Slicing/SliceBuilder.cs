using Stoke.Partitioning.Graph;
using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Slicing;

/// <summary>
/// Writes the model of one slice: the nodes in [from, to) with copies of the Constant nodes and initializers they
/// read; its inputs are the tensors live at its first cut (the model's own inputs for the first slice), its outputs
/// those live at its last cut (the model's own outputs for the last). Opsets, IR version, metadata and model-local
/// functions are the model's.
/// </summary>
internal sealed class SliceBuilder
{
    private readonly GraphIndex _index;
    private readonly TensorTypes _types;
    private readonly Func<int, IReadOnlyList<string>> _liveAt;

    public SliceBuilder(GraphIndex index, TensorTypes types, Func<int, IReadOnlyList<string>> liveAt)
    {
        _index = index;
        _types = types;
        _liveAt = liveAt;
    }

    public ModelProto Build(int from, int to, int number)
    {
        var source = _index.Model.Graph;
        var model = _index.Model.Clone();
        var graph = model.Graph;
        graph.Node.Clear();
        graph.Initializer.Clear();
        graph.SparseInitializer.Clear();
        graph.Input.Clear();
        graph.Output.Clear();
        graph.ValueInfo.Clear();
        graph.Name = $"{(source.Name.Length > 0 ? source.Name : "graph")}_part{number}";

        var nodes = _index.Nodes.Skip(from).Take(to - from).ToList();
        var isLast = to == _index.Nodes.Count;
        var reads = new HashSet<string>(nodes.SelectMany(n => n.Reads), StringComparer.Ordinal);
        if (isLast)
        {
            reads.UnionWith(_index.Outputs);
        }

        // Constants first, in file order, then the slice's compute nodes in the partition's order.
        graph.Node.AddRange(source.Node.Where(n => n.Output.Count == 1 && _index.Constants.ContainsKey(n.Output[0]) && reads.Contains(n.Output[0])));
        graph.Node.AddRange(nodes.Select(n => n.Node));
        graph.Initializer.AddRange(source.Initializer.Where(i => reads.Contains(i.Name)));
        graph.SparseInitializer.AddRange(source.SparseInitializer.Where(s => reads.Contains(s.Values.Name)));

        var inputs = from == 0 ? _index.Inputs : _liveAt(from);
        var outputs = isLast ? _index.Outputs : _liveAt(to);
        graph.Input.AddRange(from == 0
            ? source.Input.Where(i => !_index.IsWeight(i.Name))
            : inputs.Select(Declared));
        graph.Output.AddRange(isLast ? source.Output : outputs.Select(Declared));

        var boundary = new HashSet<string>(inputs.Concat(outputs), StringComparer.Ordinal);
        var written = new HashSet<string>(nodes.SelectMany(n => n.Writes), StringComparer.Ordinal);
        graph.ValueInfo.AddRange(source.ValueInfo.Where(v => written.Contains(v.Name) && !boundary.Contains(v.Name)));
        return model;
    }

    private ValueInfoProto Declared(string name) =>
        _types.Find(name)?.Clone() ?? throw new InvalidOperationException($"Tensor '{name}' crosses a cut without a known type.");
}
