using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Graph;

/// <summary>One compute node of the main graph in topological order, with every tensor it reads and writes.</summary>
/// <param name="Position">Its place in the order (cut k falls between positions k-1 and k).</param>
/// <param name="Node">The node as stored.</param>
/// <param name="Reads">Distinct names it reads: explicit inputs and what its subgraphs read from the outer scope.</param>
/// <param name="Writes">Names it produces.</param>
internal sealed record ComputeNode(int Position, NodeProto Node, IReadOnlyList<string> Reads, IReadOnlyList<string> Writes)
{
    /// <summary>A readable name for messages: the node's name, or its op type and first output.</summary>
    public string Label => Node.Name.Length > 0 ? Node.Name : $"{Node.OpType}->{Writes.FirstOrDefault()}";
}

/// <summary>
/// The main graph of a model taken apart for partitioning: compute nodes in topological order, and the weights
/// (initializers and Constant nodes) that slices copy rather than pass, each with its size in bytes.
/// </summary>
internal sealed class GraphIndex
{
    private GraphIndex(ModelProto model, IReadOnlyList<ComputeNode> nodes, IReadOnlyDictionary<string, long> weights, IReadOnlyDictionary<string, NodeProto> constants)
    {
        Model = model;
        Nodes = nodes;
        WeightBytes = weights;
        Constants = constants;
        var initializerNames = model.Graph.Initializer.Select(i => i.Name).Concat(model.Graph.SparseInitializer.Select(s => s.Values?.Name ?? string.Empty));
        var isWeight = new HashSet<string>(initializerNames, StringComparer.Ordinal);
        Inputs = [.. model.Graph.Input.Select(i => i.Name).Where(n => !isWeight.Contains(n))];
        Outputs = [.. model.Graph.Output.Select(o => o.Name)];
    }

    public ModelProto Model { get; }

    /// <summary>Compute nodes (everything but Constant nodes) in a topological order that keeps the file's order where it can.</summary>
    public IReadOnlyList<ComputeNode> Nodes { get; }

    /// <summary>Bytes of each initializer and of each Constant node's output, by tensor name.</summary>
    public IReadOnlyDictionary<string, long> WeightBytes { get; }

    /// <summary>Constant nodes by the tensor they produce; a slice that reads one carries its own copy.</summary>
    public IReadOnlyDictionary<string, NodeProto> Constants { get; }

    /// <summary>Graph inputs a caller feeds (initializers listed as inputs by old exporters are not among them).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Graph outputs.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>True for initializers and Constant outputs: tensors that are copied into slices, never passed.</summary>
    public bool IsWeight(string name) => WeightBytes.ContainsKey(name);

    /// <summary>Indexes <paramref name="model"/>; throws <see cref="ArgumentException"/> when its graph is not a DAG over defined names.</summary>
    public static GraphIndex Build(ModelProto model)
    {
        var graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(model));
        if (graph.Initializer.Any(i => i.DataLocation == TensorProto.Types.DataLocation.External))
        {
            throw new ArgumentException("The model keeps initializers in external data files; partitioning reads single-file models only.", nameof(model));
        }

        var weights = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer)
        {
            weights[initializer.Name] = ElementTypes.Bytes(initializer);
        }

        foreach (var sparse in graph.SparseInitializer)
        {
            weights[sparse.Values.Name] = ElementTypes.Bytes(sparse.Values) + (sparse.Indices is null ? 0 : ElementTypes.Bytes(sparse.Indices));
        }

        var constants = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var compute = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            if (IsConstant(node))
            {
                constants[node.Output[0]] = node;
                weights[node.Output[0]] = ConstantBytes(node);
            }
            else
            {
                compute.Add(node);
            }
        }

        var available = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        available.UnionWith(weights.Keys);
        return new GraphIndex(model, Order(compute, available), weights, constants);
    }

    private static bool IsConstant(NodeProto node) =>
        node.OpType == "Constant" && (node.Domain.Length == 0 || node.Domain == "ai.onnx") && node.Input.Count == 0 && node.Output.Count == 1;

    private static long ConstantBytes(NodeProto node)
    {
        var attribute = node.Attribute.FirstOrDefault();
        return attribute switch
        {
            null => 0,
            { T: { } t } => ElementTypes.Bytes(t),
            { SparseTensor: { } s } => ElementTypes.Bytes(s.Values) + ElementTypes.Bytes(s.Indices),
            { Floats.Count: > 0 } a => 4L * a.Floats.Count,
            { Ints.Count: > 0 } a => 8L * a.Ints.Count,
            { Strings.Count: > 0 } a => a.Strings.Sum(s => (long)s.Length),
            { HasS: true } a => a.S.Length,
            { HasI: true } => 8,
            _ => 4,
        };
    }

    // Kahn's algorithm, always taking the ready node that comes first in the file: a sorted file keeps its order.
    private static List<ComputeNode> Order(List<NodeProto> nodes, HashSet<string> available)
    {
        var reads = nodes.Select(n => n.Input.Where(i => i.Length > 0).Concat(SubgraphScope.OuterReferences(n)).Distinct(StringComparer.Ordinal).ToList()).ToList();
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var output in nodes[i].Output.Where(o => o.Length > 0))
            {
                if (!producer.TryAdd(output, i) || available.Contains(output))
                {
                    throw new ArgumentException($"Tensor '{output}' is defined twice (node {i}, '{nodes[i].Name}'): the graph is not in SSA form.", "model");
                }
            }
        }

        var waiting = new int[nodes.Count];
        var consumers = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            consumers[i] = [];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var name in reads[i])
            {
                if (producer.TryGetValue(name, out var from))
                {
                    waiting[i]++;
                    consumers[from].Add(i);
                }
                else if (!available.Contains(name))
                {
                    throw new ArgumentException($"Node '{nodes[i].Name}' ({nodes[i].OpType}) reads tensor '{name}', which no node, input or initializer defines.", "model");
                }
            }
        }

        var ready = new SortedSet<int>(Enumerable.Range(0, nodes.Count).Where(i => waiting[i] == 0));
        var ordered = new List<ComputeNode>(nodes.Count);
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            ordered.Add(new ComputeNode(ordered.Count, nodes[next], reads[next], [.. nodes[next].Output.Where(o => o.Length > 0)]));
            foreach (var consumer in consumers[next])
            {
                if (--waiting[consumer] == 0)
                {
                    ready.Add(consumer);
                }
            }
        }

        if (ordered.Count != nodes.Count)
        {
            throw new ArgumentException("The graph has a cycle: some nodes never become ready.", "model");
        }

        return ordered;
    }
}
