using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Graph;

/// <summary>
/// Asks ONNX Runtime what the model's intermediate tensors are: a probe copy of the model lists every tensor its
/// nodes write as a graph output; loading it gives each one's inferred type, and one run on zero-filled inputs of
/// the nominal sizes gives each one's actual shape and bytes there (where inference lost a shape, e.g. after a
/// Reshape whose target is computed, the run still knows it).
/// </summary>
internal static class TypeProbe
{
    /// <summary>What the probe learned: declared types by name, and bytes measured at the nominal sizes (empty when the run failed).</summary>
    public sealed record Findings(Dictionary<string, ValueInfoProto> Types, Dictionary<string, long> MeasuredBytes, string? RunError);

    public static Findings Run(GraphIndex index, NominalSizes sizes)
    {
        var probe = index.Model.Clone();
        var listed = new HashSet<string>(probe.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var name in index.Nodes.SelectMany(n => n.Writes).Where(listed.Add))
        {
            probe.Graph.Output.Add(new ValueInfoProto { Name = name });
        }

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        using var session = Load(probe, options);
        var measured = new Dictionary<string, long>(StringComparer.Ordinal);
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        string? error = null;
        try
        {
            Measure(session, sizes, measured, ranks);
        }
        catch (OnnxRuntimeException ex)
        {
            error = ex.Message;
            measured.Clear();
            ranks.Clear();
        }

        var types = new Dictionary<string, ValueInfoProto>(StringComparer.Ordinal);
        foreach (var (name, metadata) in session.OutputMetadata)
        {
            if (metadata.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR)
            {
                types[name] = ToValueInfo(name, metadata, ranks.GetValueOrDefault(name, -1));
            }
        }

        return new Findings(types, measured, error);
    }

    // A model ONNX Runtime cannot load is bad input, not a failure of the partitioner.
    private static InferenceSession Load(ModelProto probe, SessionOptions options)
    {
        try
        {
            return new InferenceSession(probe.ToByteArray(), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ArgumentException($"ONNX Runtime cannot load the model: {ex.Message}", "model", ex);
        }
    }

    private static void Measure(InferenceSession session, NominalSizes sizes, Dictionary<string, long> measured, Dictionary<string, int> ranks)
    {
        var names = session.InputNames;
        var inputs = new List<OrtValue>();
        try
        {
            foreach (var name in names)
            {
                var metadata = session.InputMetadata[name];
                var shape = metadata.Dimensions.Select((d, i) => d >= 0 ? d : sizes.Of(i < metadata.SymbolicDimensions.Length ? metadata.SymbolicDimensions[i] : string.Empty)).ToArray();
                inputs.Add(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, metadata.ElementDataType, shape));
                ZeroFill(inputs[^1], metadata.ElementDataType);
            }

            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, names, inputs, session.OutputNames);
            for (var i = 0; i < outputs.Count; i++)
            {
                if (!outputs[i].IsTensor)
                {
                    continue;
                }

                var info = outputs[i].GetTensorTypeAndShape();
                var bits = ElementTypes.Bits((int)info.ElementDataType);
                measured[session.OutputNames[i]] = (info.ElementCount * bits + 7) / 8;
                ranks[session.OutputNames[i]] = info.Shape.Length;
            }
        }
        finally
        {
            inputs.ForEach(v => v.Dispose());
        }
    }

    // Allocated tensors hold whatever memory they were given; zero them so the run is deterministic.
    private static void ZeroFill(OrtValue value, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType type)
    {
        if (type == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String)
        {
            return;
        }

        value.GetTensorMutableDataAsSpan<byte>().Clear();
    }

    // ONNX Runtime reports an unknown rank as zero dims; the run's rank (when it has one) tells it from a true scalar.
    private static ValueInfoProto ToValueInfo(string name, NodeMetadata metadata, int measuredRank)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)metadata.ElementDataType };
        if (metadata.Dimensions.Length > 0 || measuredRank == 0)
        {
            var shape = new TensorShapeProto();
            for (var i = 0; i < metadata.Dimensions.Length; i++)
            {
                var symbol = i < metadata.SymbolicDimensions.Length ? metadata.SymbolicDimensions[i] : string.Empty;
                var dim = new TensorShapeProto.Types.Dimension();
                if (metadata.Dimensions[i] >= 0)
                {
                    dim.DimValue = metadata.Dimensions[i];
                }
                else if (!string.IsNullOrEmpty(symbol))
                {
                    dim.DimParam = symbol;
                }

                shape.Dim.Add(dim);
            }

            tensor.Shape = shape;
        }
        else if (measuredRank > 0)
        {
            tensor.Shape = new TensorShapeProto();
            tensor.Shape.Dim.AddRange(Enumerable.Range(0, measuredRank).Select(_ => new TensorShapeProto.Types.Dimension()));
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
