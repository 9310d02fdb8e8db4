using Stoke.Partitioning.Graph;

namespace Stoke.Partitioning.Planning;

/// <summary>How to cut a model: into <see cref="Parts"/> slices, or into as few as keep each under <see cref="MaxPartMb"/>.</summary>
public sealed record PartitionOptions
{
    /// <summary>Number of slices (at least 1). Exactly one of this and <see cref="MaxPartMb"/> is set.</summary>
    public int? Parts { get; init; }

    /// <summary>Most weight memory per slice, MB (2^20 bytes): the fewest slices that fit, cut where they pass the least.</summary>
    public double? MaxPartMb { get; init; }

    /// <summary>
    /// With <see cref="Parts"/>: how far above its share of the weights a slice may grow so that cuts pass fewer bytes
    /// (default 0.25). A node heavier than an even share makes its slice's share its own weight; the rest is shared evenly.
    /// </summary>
    public double MemorySlack { get; init; } = 0.25;

    /// <summary>What symbolic dims count as when estimating the bytes a cut passes.</summary>
    public NominalSizes Sizes { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is wrong.</summary>
    public void Validate()
    {
        if (Parts.HasValue == MaxPartMb.HasValue)
        {
            throw new ArgumentException("Give exactly one of parts or maxPartMb.", nameof(Parts));
        }

        if (Parts is < 1)
        {
            throw new ArgumentException($"parts must be at least 1 (got {Parts}).", nameof(Parts));
        }

        if (MaxPartMb is { } mb && !(mb > 0 && double.IsFinite(mb)))
        {
            throw new ArgumentException($"maxPartMb must be a positive number (got {mb}).", nameof(MaxPartMb));
        }

        if (!(MemorySlack >= 0 && double.IsFinite(MemorySlack)))
        {
            throw new ArgumentException($"memorySlack must be zero or more (got {MemorySlack}).", nameof(MemorySlack));
        }

        if (Sizes.Default < 1 || Sizes.Named.Values.Any(v => v < 1))
        {
            throw new ArgumentException("Nominal dim sizes must be at least 1.", nameof(Sizes));
        }
    }
}
