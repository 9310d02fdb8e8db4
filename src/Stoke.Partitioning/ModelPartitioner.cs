using Google.Protobuf;
using Stoke.Partitioning.Graph;
using Stoke.Partitioning.Onnx;
using Stoke.Partitioning.Planning;
using Stoke.Partitioning.Slicing;

namespace Stoke.Partitioning;

/// <summary>
/// Cuts an ONNX model into slices that run in sequence (each slice's outputs are the next one's inputs), choosing
/// the cuts that pass the fewest bytes while keeping the slices' weight memory even. Bad input (a model that does
/// not parse, more parts than the graph has places to cut, a memory limit no slice can meet) throws
/// <see cref="ArgumentException"/> saying what is wrong.
/// </summary>
public static class ModelPartitioner
{
    /// <summary>Partitions the model in <paramref name="modelBytes"/>; <paramref name="modelName"/> names the slice files (NAME-partK.onnx).</summary>
    public static PartitionResult Partition(byte[] modelBytes, string modelName, PartitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var model = Parse(modelBytes);
        var index = GraphIndex.Build(model);
        var n = index.Nodes.Count;
        if (n == 0)
        {
            throw new ArgumentException("The model's graph has no compute nodes to partition.", nameof(modelBytes));
        }

        var types = TensorTypes.Infer(index, options.Sizes);
        var cuts = CutPoints.Analyse(index, types, options.Sizes);
        var search = new CutSearch(index, cuts);
        var choice = options.Parts is { } parts ? ByParts(index, cuts, search, parts, options.MemorySlack) : ByMemory(search, options.MaxPartMb!.Value);

        var bounds = new List<int> { 0 };
        bounds.AddRange(choice.Positions);
        bounds.Add(n);
        var builder = new SliceBuilder(index, types, cuts.LiveAt);
        var slices = new List<byte[]>();
        var slicePlans = new List<SlicePlan>();
        for (var s = 0; s + 1 < bounds.Count; s++)
        {
            var slice = builder.Build(bounds[s], bounds[s + 1], s + 1);
            slices.Add(slice.ToByteArray());
            slicePlans.Add(new SlicePlan(
                s + 1,
                $"{modelName}-part{s + 1}.onnx",
                bounds[s],
                bounds[s + 1] - bounds[s],
                slice.Graph.Initializer.Count + slice.Graph.SparseInitializer.Count,
                SliceMemory.Of(index, bounds[s], bounds[s + 1]),
                [.. slice.Graph.Input.Select(v => Describe(v, types, options.Sizes))],
                [.. slice.Graph.Output.Select(v => Describe(v, types, options.Sizes))]));
        }

        var cutPlans = choice.Positions.Select((p, i) => new CutPlan(i + 1, p, cuts.Bytes[p], cuts.LiveAt(p))).ToList();
        var plan = new PartitionPlan(modelName, n, cuts.ValidCount, index.WeightBytes.Values.Sum(), options.Sizes.Default, options.Sizes.Named, slicePlans, cutPlans);
        return new PartitionResult(plan, slices);
    }

    internal static ModelProto Parse(byte[] bytes)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ArgumentException($"The file is not an ONNX model: {ex.Message}", nameof(bytes), ex);
        }
    }

    private static CutSearch.Choice ByParts(GraphIndex index, CutPoints cuts, CutSearch search, int parts, double slack)
    {
        if (parts > cuts.ValidCount + 1)
        {
            throw new ArgumentException(
                $"The graph allows at most {cuts.ValidCount + 1} parts ({cuts.ValidCount} places where it can be cut among {index.Nodes.Count} nodes); {parts} were asked for.",
                nameof(parts));
        }

        // A node whose weights alone exceed an even share (an embedding table no cut can split) gets a slice of its
        // own size; the other weights share the other slices evenly. Each slice may hold up to (1 + slack) times its
        // share, and within that the cuts pass the fewest bytes. When no plan keeps every slice so, the most even
        // plan's largest slice (plus the slack) is the limit for all.
        var total = index.WeightBytes.Values.Sum();
        var even = total / (double)parts;
        var heavy = search.NodeWeights.Where(w => w > even).ToList();
        var share = heavy.Count < parts ? (total - heavy.Sum()) / (double)(parts - heavy.Count) : even;
        var shaped = search.Best(parts, (size, heaviest) => size <= (heaviest > even ? heaviest : share) * (1 + slack), memoryFirst: false);
        if (shaped is not null)
        {
            return shaped;
        }

        var balanced = search.Best(parts, long.MaxValue, memoryFirst: true)!;
        return search.Best(parts, (long)Math.Ceiling(balanced.LargestSliceBytes * (1 + slack)), memoryFirst: false)!;
    }

    private static CutSearch.Choice ByMemory(CutSearch search, double maxPartMb)
    {
        var cap = (long)(maxPartMb * 1024 * 1024);
        var parts = search.FewestParts(cap);
        return search.Best(parts, cap, memoryFirst: false)!;
    }

    private static BoundaryTensor Describe(ValueInfoProto info, TensorTypes types, NominalSizes sizes)
    {
        var tensor = info.Type?.TensorType;
        var shape = tensor?.Shape?.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => d.DimParam,
            _ => "?",
        }).ToList() ?? [];
        var estimate = types.Find(info.Name) is null ? 0 : types.EstimateBytes(info.Name, sizes);
        return new BoundaryTensor(info.Name, ElementTypes.Name(tensor?.ElemType ?? 0), shape, estimate);
    }
}
