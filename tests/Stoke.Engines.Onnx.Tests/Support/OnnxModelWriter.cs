using System.Text;

namespace Stoke.Engines.Onnx.Tests.Support;

/// <summary>
/// Writes minimal ONNX models (protobuf by hand) so element types no sample model uses can be run through real
/// ONNX Runtime: each graph is one single-input node per input, e.g. Identity or Not.
/// </summary>
internal static class OnnxModelWriter
{
    /// <summary>One node <c>op(name) -> name_out</c> with input and output of ONNX element type <paramref name="elementType"/>.</summary>
    public sealed record Node(string Op, string Name, int ElementType, string?[] Dims);

    public static byte[] Build(params Node[] nodes)
    {
        var graph = new ProtoWriter();
        foreach (var node in nodes)
        {
            var n = new ProtoWriter();
            n.String(1, node.Name);
            n.String(2, node.Name + "_out");
            n.String(3, node.Op + "_" + node.Name);
            n.String(4, node.Op);
            graph.Message(1, n);
        }

        graph.String(2, "test");
        foreach (var node in nodes)
        {
            graph.Message(11, ValueInfo(node.Name, node.ElementType, node.Dims));
        }

        foreach (var node in nodes)
        {
            graph.Message(12, ValueInfo(node.Name + "_out", node.ElementType, node.Dims));
        }

        var opset = new ProtoWriter();
        opset.String(1, string.Empty);
        opset.Varint(2, 13);

        var model = new ProtoWriter();
        model.Varint(1, 8); // IR version 8
        model.String(2, "stoke-tests");
        model.Message(7, graph);
        model.Message(8, opset);
        return model.ToArray();
    }

    private static ProtoWriter ValueInfo(string name, int elementType, string?[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var dim in dims)
        {
            var d = new ProtoWriter();
            if (long.TryParse(dim, out var size))
            {
                d.Varint(1, (ulong)size);
            }
            else
            {
                d.String(2, dim ?? "n");
            }

            shape.Message(1, d);
        }

        var tensor = new ProtoWriter();
        tensor.Varint(1, (ulong)elementType);
        tensor.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensor);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    private sealed class ProtoWriter
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            Key(field, 0);
            Raw(value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _stream.ToArray();

        private void Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Raw((ulong)value.Length);
            _stream.Write(value);
        }

        private void Key(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _stream.WriteByte((byte)value);
        }
    }
}
