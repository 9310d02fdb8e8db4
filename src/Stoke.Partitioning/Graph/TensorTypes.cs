using Stoke.Partitioning.Onnx;

namespace Stoke.Partitioning.Graph;

/// <summary>
/// The type and shape of every tensor the main graph passes between nodes. Declared ones (graph inputs, outputs,
/// value_info) come from the model; the rest from ONNX Runtime's own type inference, read off a probe copy of the
/// model that lists every intermediate tensor as an output (the probe is only loaded, never run).
/// </summary>
internal sealed class TensorTypes
{
    private readonly Dictionary<string, ValueInfoProto> _types;
    private readonly Dictionary<string, long> _measured;

    private TensorTypes(Dictionary<string, ValueInfoProto> types, Dictionary<string, long> measured, string? runError)
    {
        _types = types;
        _measured = measured;
        RunError = runError;
    }

    /// <summary>Why the measuring run failed (bytes then come from shapes alone), or null when it ran.</summary>
    public string? RunError { get; }

    /// <summary>True when intermediate bytes were measured by running the model at the nominal sizes.</summary>
    public bool Measured => _measured.Count > 0;

    /// <summary>The tensor's declared or inferred type, or null when neither the model nor ONNX Runtime knows it.</summary>
    public ValueInfoProto? Find(string name) => _types.GetValueOrDefault(name);

    /// <summary>True when the tensor is a plain tensor of a known element type (what a slice boundary can carry).</summary>
    public bool CanCross(string name) =>
        _types.TryGetValue(name, out var info) && info.Type?.TensorType is { ElemType: > 0 };

    /// <summary>
    /// Estimated bytes of the tensor: measured at the nominal sizes where the probe ran; otherwise its element size times its dims, each symbolic or unknown dim counted as
    /// <paramref name="sizes"/> says. Zero for a tensor of unknown type.
    /// </summary>
    public long EstimateBytes(string name, NominalSizes sizes)
    {
        if (_measured.TryGetValue(name, out var measured))
        {
            return measured;
        }

        if (!_types.TryGetValue(name, out var info) || info.Type?.TensorType is not { } tensor)
        {
            return 0;
        }

        long elements = 1;
        if (tensor.Shape is null)
        {
            elements = sizes.Default;
        }
        else
        {
            foreach (var dim in tensor.Shape.Dim)
            {
                elements *= dim.ValueCase switch
                {
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Math.Max(dim.DimValue, 0),
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => sizes.Of(dim.DimParam),
                    _ => sizes.Default,
                };
            }
        }

        return ElementTypes.Bytes(tensor.ElemType, elements);
    }

    /// <summary>
    /// Collects the declared types of <paramref name="index"/>'s tensors, infers the missing ones and measures every
    /// intermediate's bytes at <paramref name="sizes"/> (see <see cref="TypeProbe"/>).
    /// </summary>
    public static TensorTypes Infer(GraphIndex index, NominalSizes sizes)
    {
        var graph = index.Model.Graph;
        var findings = TypeProbe.Run(index, sizes);
        var types = findings.Types;
        foreach (var info in graph.ValueInfo.Concat(graph.Output).Concat(graph.Input))
        {
            if (info.Type is not null && !(types.TryGetValue(info.Name, out var inferred) && Rank(inferred) > 0 && Rank(info) < 0))
            {
                types[info.Name] = info;
            }
        }

        return new TensorTypes(types, findings.MeasuredBytes, findings.RunError);
    }

    private static int Rank(ValueInfoProto info) => info.Type?.TensorType?.Shape is { } shape ? shape.Dim.Count : -1;
}
