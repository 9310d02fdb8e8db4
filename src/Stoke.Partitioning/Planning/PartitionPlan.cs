namespace Stoke.Partitioning.Planning;

/// <summary>A tensor at a slice boundary: its element type, its shape (numbers or symbolic names, "?" when unknown) and estimated bytes.</summary>
public sealed record BoundaryTensor(string Name, string ElementType, IReadOnlyList<string> Shape, long EstimatedBytes);

/// <summary>One slice: which nodes of the order it holds, what it takes and gives, and the weight bytes it loads.</summary>
public sealed record SlicePlan(
    int Number,
    string File,
    int FirstNode,
    int NodeCount,
    int InitializerCount,
    long WeightBytes,
    IReadOnlyList<BoundaryTensor> Inputs,
    IReadOnlyList<BoundaryTensor> Outputs);

/// <summary>A cut between slice <see cref="After"/> and the next: its place in the node order and what it passes.</summary>
public sealed record CutPlan(int After, int Position, long EstimatedBytes, IReadOnlyList<string> Tensors);

/// <summary>
/// What the partitioner decided: the slices in the order they run, the cuts between them, and the nominal size every
/// symbolic dim was counted as. Written as <c>plan.json</c> beside the slices.
/// </summary>
public sealed record PartitionPlan(
    string Model,
    int NodeCount,
    int ValidCuts,
    long TotalWeightBytes,
    long NominalDim,
    IReadOnlyDictionary<string, long> NamedDims,
    IReadOnlyList<SlicePlan> Slices,
    IReadOnlyList<CutPlan> Cuts)
{
    /// <summary>Estimated bytes passed over every cut of one request at the nominal sizes.</summary>
    public long PassedBytes => Cuts.Sum(c => c.EstimatedBytes);
}

/// <summary>A plan and each slice's serialized ONNX model, in slice order.</summary>
public sealed record PartitionResult(PartitionPlan Plan, IReadOnlyList<byte[]> Slices);
