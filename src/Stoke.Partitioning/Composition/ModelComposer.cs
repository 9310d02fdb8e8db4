using Google.Protobuf;
using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Composition;

/// <summary>One model of a composite: a prefix for its tensor names, its bytes, and where its inputs come from.</summary>
/// <param name="Prefix">Put before every tensor and node name of this model (a step name), so two models never clash.</param>
/// <param name="Wiring">For every model but the first: each of its inputs to the output of the model before it that feeds it.</param>
public sealed record ComposedModel(string Prefix, byte[] Bytes, IReadOnlyDictionary<string, string> Wiring);

/// <summary>
/// Joins ONNX models that run one after the other into one model whose graph is theirs in sequence: each later
/// model's inputs become the earlier model's outputs that feed them, every other name is prefixed so none clashes.
/// The composite takes the first model's inputs by their names and gives the last model's outputs by theirs, so one
/// session (one engine call) replaces the chain. Bad input (models that do not parse or cannot share one graph)
/// throws <see cref="ArgumentException"/> saying why.
/// </summary>
public static class ModelComposer
{
    public static byte[] Compose(IReadOnlyList<ComposedModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count < 2)
        {
            throw new ArgumentException("A composite joins two or more models.", nameof(models));
        }

        var parsed = models.Select(m => ModelPartitioner.Parse(m.Bytes)).ToArray();
        var composite = new ModelProto
        {
            IrVersion = Math.Max(4, parsed.Max(p => p.IrVersion)), // 4: initializers need not be graph inputs
            ProducerName = "stoke-composite",
            Graph = new GraphProto { Name = string.Join("+", models.Select(m => m.Prefix)) },
        };
        composite.OpsetImport.AddRange(Opsets(models, parsed));

        // What each earlier output is called in the composite (the renamed tensor that now carries it).
        IReadOnlyDictionary<string, string> previous = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var k = 0; k < parsed.Length; k++)
        {
            var graph = parsed[k].Graph ?? throw new ArgumentException($"'{models[k].Prefix}' has no graph.", nameof(models));
            if (graph.Initializer.Any(i => i.DataLocation == TensorProto.Types.DataLocation.External))
            {
                throw new ArgumentException($"'{models[k].Prefix}' keeps weights in external data files; a composite joins single-file models only.", nameof(models));
            }

            var weights = graph.Initializer.Select(i => i.Name).Concat(graph.SparseInitializer.Select(s => s.Values.Name)).ToHashSet(StringComparer.Ordinal);
            var renames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var input in graph.Input.Where(i => !weights.Contains(i.Name)))
            {
                renames[input.Name] = k == 0 ? input.Name : Fed(models[k], input.Name, previous);
            }

            var prefix = models[k].Prefix + "/";
            string Rename(string name) => name.Length == 0 ? name : renames.GetValueOrDefault(name) ?? prefix + name;
            var outputs = graph.Output.Select(o => o.Name).ToArray();
            RenameGraph(graph, Rename, prefix);
            if (k == 0)
            {
                composite.Graph.Input.AddRange(graph.Input.Where(i => !weights.Contains(i.Name)));
            }

            composite.Graph.Node.AddRange(graph.Node);
            composite.Graph.Initializer.AddRange(graph.Initializer);
            composite.Graph.SparseInitializer.AddRange(graph.SparseInitializer);
            composite.Graph.ValueInfo.AddRange(graph.ValueInfo);
            previous = outputs.Zip(graph.Output).ToDictionary(o => o.First, o => o.Second.Name, StringComparer.Ordinal);
            if (k < parsed.Length - 1)
            {
                // An inner output is a tensor of the composite like any other: keep its type for shape inference.
                composite.Graph.ValueInfo.AddRange(graph.Output);
                continue;
            }

            // The last model's outputs keep their names: an Identity gives each from the renamed tensor that computes it.
            foreach (var (name, output) in outputs.Zip(graph.Output))
            {
                composite.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = prefix + "output/" + name, Input = { output.Name }, Output = { name } });
                composite.Graph.Output.Add(new ValueInfoProto(output) { Name = name });
            }
        }

        // A tensor declared twice (an inner output also in value_info), or a graph input or output, needs no value_info.
        var declared = composite.Graph.Input.Concat(composite.Graph.Output).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var infos = composite.Graph.ValueInfo.Where(v => declared.Add(v.Name)).ToList();
        composite.Graph.ValueInfo.Clear();
        composite.Graph.ValueInfo.AddRange(infos);
        RefuseClashes(composite.Graph);
        return composite.ToByteArray();
    }

    private static string Fed(ComposedModel model, string input, IReadOnlyDictionary<string, string> previous)
    {
        if (!model.Wiring.TryGetValue(input, out var output))
        {
            throw new ArgumentException($"'{model.Prefix}' takes '{input}', which no earlier model's output feeds.", nameof(model));
        }

        return previous.TryGetValue(output, out var renamed)
            ? renamed
            : throw new ArgumentException($"'{model.Prefix}' reads '{output}', which the model before it does not give.", nameof(model));
    }

    // One graph runs under one opset per domain: models that import a domain at different versions cannot share one.
    private static IEnumerable<OperatorSetIdProto> Opsets(IReadOnlyList<ComposedModel> models, ModelProto[] parsed)
    {
        var chosen = new Dictionary<string, (long Version, string Model)>(StringComparer.Ordinal);
        for (var k = 0; k < parsed.Length; k++)
        {
            foreach (var opset in parsed[k].OpsetImport)
            {
                var domain = opset.Domain is "ai.onnx" ? "" : opset.Domain;
                if (chosen.TryGetValue(domain, out var other) && other.Version != opset.Version)
                {
                    throw new ArgumentException(
                        $"'{other.Model}' uses opset {other.Version} of domain '{(domain.Length == 0 ? "ai.onnx" : domain)}' and '{models[k].Prefix}' opset {opset.Version}: one graph runs under one opset per domain.",
                        nameof(models));
                }

                chosen[domain] = (opset.Version, models[k].Prefix);
            }
        }

        return chosen.Select(c => new OperatorSetIdProto { Domain = c.Key, Version = c.Value.Version });
    }

    // Every tensor name, in the graph and in its subgraphs, goes through 'rename' (a renaming that is one to one, so
    // the graph computes what it did); node names get the prefix so they stay unique.
    private static void RenameGraph(GraphProto graph, Func<string, string> rename, string prefix)
    {
        foreach (var node in graph.Node)
        {
            node.Name = node.Name.Length == 0 ? node.Name : prefix + node.Name;
            Rename(node.Input, rename);
            Rename(node.Output, rename);
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is { } g)
                {
                    RenameGraph(g, rename, prefix);
                }

                foreach (var sub in attribute.Graphs)
                {
                    RenameGraph(sub, rename, prefix);
                }
            }
        }

        foreach (var value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
        {
            value.Name = rename(value.Name);
        }

        foreach (var weight in graph.Initializer)
        {
            weight.Name = rename(weight.Name);
        }

        foreach (var sparse in graph.SparseInitializer)
        {
            sparse.Values.Name = rename(sparse.Values.Name);
            if (sparse.Indices is { } indices)
            {
                indices.Name = rename(indices.Name);
            }
        }
    }

    private static void Rename(Google.Protobuf.Collections.RepeatedField<string> names, Func<string, string> rename)
    {
        for (var i = 0; i < names.Count; i++)
        {
            names[i] = rename(names[i]);
        }
    }

    // A last-model output named like a first-model input or a prefixed tensor would be written twice.
    private static void RefuseClashes(GraphProto graph)
    {
        var written = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var name in graph.Initializer.Select(i => i.Name).Concat(graph.Node.SelectMany(n => n.Output)).Where(n => n.Length > 0))
        {
            if (!written.Add(name))
            {
                throw new ArgumentException($"The composite would write tensor '{name}' twice (an output of the last model is named like an input of the first, or like a prefixed tensor).", nameof(graph));
            }
        }
    }
}
