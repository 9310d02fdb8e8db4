using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Graph;

/// <summary>
/// The outer-scope names a node's subgraphs (If branches, Loop and Scan bodies) read: a subgraph may use any tensor
/// of an enclosing graph by name, so those names are implicit inputs of the node that owns the subgraph.
/// </summary>
internal static class SubgraphScope
{
    /// <summary>True when the node carries a graph-valued attribute.</summary>
    public static bool HasSubgraphs(NodeProto node) =>
        node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0);

    /// <summary>Names the node's subgraphs read from outside themselves, in first-use order.</summary>
    public static IReadOnlyList<string> OuterReferences(NodeProto node)
    {
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var graph in Subgraphs(node))
        {
            Collect(graph, new HashSet<string>(StringComparer.Ordinal), found, seen);
        }

        return found;
    }

    private static IEnumerable<GraphProto> Subgraphs(NodeProto node)
    {
        foreach (var attribute in node.Attribute)
        {
            if (attribute.G is not null)
            {
                yield return attribute.G;
            }

            foreach (var graph in attribute.Graphs)
            {
                yield return graph;
            }
        }
    }

    // Walks one subgraph with the names its enclosing subgraphs define (not outer to the node) in `inner`.
    private static void Collect(GraphProto graph, HashSet<string> inner, List<string> found, HashSet<string> seen)
    {
        var defined = new HashSet<string>(inner, StringComparer.Ordinal);
        defined.UnionWith(graph.Input.Select(i => i.Name));
        defined.UnionWith(graph.Initializer.Select(i => i.Name));
        defined.UnionWith(graph.SparseInitializer.Select(i => i.Values?.Name ?? string.Empty));
        foreach (var node in graph.Node)
        {
            foreach (var name in node.Input)
            {
                Note(name, defined, found, seen);
            }

            foreach (var nested in Subgraphs(node))
            {
                Collect(nested, defined, found, seen);
            }

            defined.UnionWith(node.Output);
        }

        foreach (var output in graph.Output)
        {
            Note(output.Name, defined, found, seen);
        }
    }

    private static void Note(string name, HashSet<string> defined, List<string> found, HashSet<string> seen)
    {
        if (name.Length > 0 && !defined.Contains(name) && seen.Add(name))
        {
            found.Add(name);
        }
    }
}
