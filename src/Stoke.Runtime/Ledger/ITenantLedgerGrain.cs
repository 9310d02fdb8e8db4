using Stoke.Abstractions.Usage;

namespace Stoke.Runtime.Ledger;

/// <summary>
/// A tenant's append-only usage ledger (keyed by tenant), in the state store: every usage batch its functions'
/// controllers applied, kept after the function is deleted, so billing history outlives what it billed.
/// </summary>
public interface ITenantLedgerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends the entries a controller applied (positions are assigned here). Idempotent: an entry whose source
    /// (function, version, node) already has that sequence or a later one is skipped, so a retry appends nothing twice.
    /// Returns the entries appended.
    /// </summary>
    Task<int> Append(LedgerEntry[] entries);

    /// <summary>Entries after <paramref name="after"/> (a position), in order, at most <paramref name="limit"/>.</summary>
    Task<LedgerEntry[]> Entries(long after, int limit);

    /// <summary>How many entries the ledger holds, and its running total per function version (kept as it appends).</summary>
    Task<LedgerTotals> Totals();
}

/// <summary>The ledger's size and the running totals it keeps beside its entries (the check recomputes them).</summary>
[GenerateSerializer, Immutable]
public sealed record LedgerTotals(
    [property: Id(0)] long Count,
    [property: Id(1)] Dictionary<string, UsageSummary> ByVersion);

/// <summary>How the ledger is laid out: its page size and the key of a function version's totals.</summary>
public static class LedgerLayout
{
    /// <summary>Entries per sealed page.</summary>
    public const int PageSize = 512;

    /// <summary>The totals' key of a function version.</summary>
    public static string VersionKey(string function, int version) => function + "/" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
