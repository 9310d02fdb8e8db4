namespace Stoke.Partitioning.Graph;

/// <summary>
/// What a symbolic dim (batch, sequence, width) counts as when the partitioner estimates the bytes a cut passes:
/// a named dim's own size when one is given, otherwise <see cref="Default"/>. Unknown dims count as the default too.
/// </summary>
public sealed record NominalSizes
{
    /// <summary>The size of every symbolic or unknown dim not named in <see cref="Named"/> (default 32).</summary>
    public long Default { get; init; } = 32;

    /// <summary>Sizes of particular symbolic dims, by the dim_param the model gives them.</summary>
    public IReadOnlyDictionary<string, long> Named { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>The size the dim named <paramref name="dimParam"/> counts as.</summary>
    public long Of(string dimParam) => Named.TryGetValue(dimParam, out var size) ? size : Default;
}
