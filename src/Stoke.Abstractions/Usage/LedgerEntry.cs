namespace Stoke.Abstractions.Usage;

/// <summary>
/// One entry of a tenant's usage ledger: a usage batch one node metered for one function version (the requests its
/// gateway answered in one interval), as the function's controller applied it. Its id (function, version, node,
/// batch sequence) makes a retried append a no-op.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LedgerEntry
{
    /// <summary>1 for the tenant's first entry, then one more for each (the ledger's order).</summary>
    [Id(0)] public long Position { get; init; }
    [Id(1)] public required string Function { get; init; }
    [Id(2)] public required int Version { get; init; }
    [Id(3)] public required string Node { get; init; }
    /// <summary>The batch's sequence number on its node for this function version (increasing, from 1).</summary>
    [Id(4)] public required long Sequence { get; init; }
    [Id(5)] public DateTimeOffset RecordedAt { get; init; }
    [Id(6)] public required UsageSummary Usage { get; init; }

    /// <summary>The entry's id: function, version, node and sequence.</summary>
    public string Id => $"{Function}/{Version}/{Node}/{Sequence}";

    /// <summary>The key of the function version and node it came from.</summary>
    public string Source => $"{Function}/{Version}/{Node}";
}

/// <summary>A function version's usage as of its last append to the ledger, and the last batch it includes per node.</summary>
[GenerateSerializer, Immutable]
public sealed record LedgeredUsage(
    [property: Id(0)] UsageSummary Usage,
    [property: Id(1)] Dictionary<string, long> Applied);
