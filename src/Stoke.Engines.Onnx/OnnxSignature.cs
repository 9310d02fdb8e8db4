using Microsoft.ML.OnnxRuntime;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Onnx;

/// <summary>Reads a session's input and output metadata into a platform <see cref="ModelSignature"/>.</summary>
internal static class OnnxSignature
{
    public static ModelSignature Read(InferenceSession session) => new(
        Specs(session.InputNames, session.InputMetadata, "input"),
        Specs(session.OutputNames, session.OutputMetadata, "output"));

    private static TensorSpec[] Specs(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata, string role)
    {
        var specs = new TensorSpec[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            var node = metadata[name];
            if (node.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
            {
                throw new InvalidModelException($"The model's {role} '{name}' is a {node.OnnxValueType}; the onnx engine serves tensor models only.");
            }

            if (!OrtElementTypes.TryToDataType(node.ElementDataType, out var dataType))
            {
                throw new InvalidModelException($"The model's {role} '{name}' has element type {node.ElementDataType}, which the platform does not carry.");
            }

            // ONNX Runtime reports symbolic and unknown dimensions as -1, which is also TensorShape.Dynamic.
            var shape = Array.ConvertAll(node.Dimensions, d => d < 0 ? TensorShape.Dynamic : (long)d);
            specs[i] = new TensorSpec(name, dataType, shape);
        }

        return specs;
    }
}
