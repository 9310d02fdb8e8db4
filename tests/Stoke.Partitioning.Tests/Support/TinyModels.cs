using Google.Protobuf;
using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Tests.Support;

/// <summary>
/// A small hand-built model whose cuts pass known bytes, with an If node whose branches read an outer tensor and an
/// outer initializer: X[1,4] -> A=Relu -> Big=Concat(A,A,A,A) [1,16] -> C=MatMul(Big,W) [1,2] -> D=If(flag){C+K}{C-K} -> Y=Relu(D).
/// </summary>
internal static class TinyModels
{
    public static byte[] WithIf()
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(Value("X", 1, 1, 4));
        graph.Input.Add(Value("flag", 9));
        graph.Output.Add(Value("Y", 1, 1, 2));
        graph.Initializer.Add(Floats("W", [16, 2], i => (i % 5) - 2));
        graph.Initializer.Add(Floats("K", [2], i => i + 0.5f));
        graph.Node.Add(Node("Relu", ["X"], ["A"]));
        var concat = Node("Concat", ["A", "A", "A", "A"], ["Big"]);
        concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(concat);
        graph.Node.Add(Node("MatMul", ["Big", "W"], ["C"]));
        var branch = Node("If", ["flag"], ["D"]);
        branch.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("then", "Add") });
        branch.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("else", "Sub") });
        graph.Node.Add(branch);
        graph.Node.Add(Node("Relu", ["D"], ["Y"]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "stoke-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        return model.ToByteArray();
    }

    // A branch with no inputs of its own: it reads C and K from the enclosing graph.
    private static GraphProto Branch(string name, string op)
    {
        var graph = new GraphProto { Name = name };
        graph.Node.Add(Node(op, ["C", "K"], [name + "_out"]));
        graph.Output.Add(Value(name + "_out", 1, 1, 2));
        return graph;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static ValueInfoProto Value(string name, int elementType, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } } };
    }

    private static TensorProto Floats(string name, long[] dims, Func<int, float> value)
    {
        var tensor = new TensorProto { Name = name, DataType = 1 };
        tensor.Dims.AddRange(dims);
        var count = (int)dims.Aggregate(1L, (a, b) => a * b);
        tensor.FloatData.AddRange(Enumerable.Range(0, count).Select(value));
        return tensor;
    }
}
