using Stoke.Abstractions.Usage;
using Stoke.Runtime.Grains;

namespace Stoke.Runtime.Ledger;

/// <summary>
/// Proves a tenant's usage aggregates equal its ledger: the ledger's positions run without a gap, its running totals
/// equal the sums of its entries, and each live function version's billed usage equals the sum of the ledger entries
/// it includes (per node, the batches up to the last it applied). Deleted versions are reported from the ledger alone.
/// </summary>
public static class LedgerCheck
{
    private const int Page = 5_000;

    public static async Task<LedgerCheckReport> RunAsync(IGrainFactory grains, string tenant)
    {
        ArgumentNullException.ThrowIfNull(grains);
        // The live versions first: each appends what it has applied, then says what that covers.
        var live = new Dictionary<string, LedgeredUsage>(StringComparer.Ordinal);
        var registry = grains.GetGrain<IFunctionRegistryGrain>(tenant);
        foreach (var spec in await registry.List())
        {
            foreach (var v in await registry.Versions(spec.Name))
            {
                live[LedgerLayout.VersionKey(v.Name, v.Version)] = await grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(v)).Ledgered();
            }
        }

        var ledger = grains.GetGrain<ITenantLedgerGrain>(tenant);
        var totals = await ledger.Totals();
        var entries = new List<LedgerEntry>();
        for (LedgerEntry[] page; (page = await ledger.Entries(entries.Count == 0 ? 0 : entries[^1].Position, Page)).Length > 0;)
        {
            entries.AddRange(page);
        }

        var problems = new List<string>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Position != i + 1)
            {
                problems.Add($"ledger entry {i + 1} is missing (found position {entries[i].Position} there)");
                break;
            }
        }

        if (entries.Count != totals.Count)
        {
            problems.Add($"the ledger says it holds {totals.Count} entries; {entries.Count} were read");
        }

        var rows = new List<LedgerCheckRow>();
        foreach (var group in entries.GroupBy(e => LedgerLayout.VersionKey(e.Function, e.Version)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First();
            var sum = Sum(group, first);
            if (!totals.ByVersion.TryGetValue(group.Key, out var running) || !UsageEquality.Same(sum, running))
            {
                problems.Add($"{group.Key}: the ledger's running total differs from the sum of its entries");
            }

            UsageSummary? billed = null;
            var matches = true;
            if (live.TryGetValue(group.Key, out var ledgered))
            {
                billed = ledgered.Usage;
                var included = group.Where(e => e.Sequence <= ledgered.Applied.GetValueOrDefault(e.Node)).ToList();
                var covered = Sum(included, first);
                var beyond = group.Count() - included.Count;
                matches = beyond == 0 && UsageEquality.Same(covered, billed);
                if (!UsageEquality.Same(covered, billed))
                {
                    problems.Add($"{group.Key}: billed {billed.Requests} requests / {billed.Cost} cost, the ledger's entries {covered.Requests} / {covered.Cost}");
                }

                // A node resends what the function did not persist, so after the refresh nothing should be left over.
                if (beyond > 0)
                {
                    problems.Add($"{group.Key}: {beyond} ledger entries the billed usage does not include (appended, never applied)");
                }
            }

            rows.Add(new LedgerCheckRow(first.Function, first.Version, !live.ContainsKey(group.Key), sum, billed, matches));
        }

        foreach (var (key, ledgered) in live)
        {
            if (ledgered.Usage.Requests > 0 && !rows.Any(r => LedgerLayout.VersionKey(r.Function, r.Version) == key))
            {
                problems.Add($"{key}: billed {ledgered.Usage.Requests} requests that the ledger does not hold");
            }
        }

        return new LedgerCheckReport(tenant, entries.Count, problems.Count == 0, [.. rows], [.. problems]);
    }

    private static UsageSummary Sum(IEnumerable<LedgerEntry> entries, LedgerEntry first) =>
        entries.Aggregate(new UsageSummary { Tenant = first.Usage.Tenant, Function = first.Function, Version = first.Version }, (s, e) => s.Plus(e.Usage));
}

/// <summary>The outcome of <c>GET /api/usage/verify</c> (<c>stoke usage --verify</c>).</summary>
public sealed record LedgerCheckReport(string Tenant, long Entries, bool Consistent, LedgerCheckRow[] Versions, string[] Problems);

/// <summary>One function version: its usage by the ledger, and (while it lives) what it bills.</summary>
public sealed record LedgerCheckRow(string Function, int Version, bool Deleted, UsageSummary Ledger, UsageSummary? Billed, bool Matches);

/// <summary>Two usage sums are the same: counts and cost exactly, times and energy up to float rounding of the order they were added in.</summary>
public static class UsageEquality
{
    public static bool Same(UsageSummary a, UsageSummary b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Requests == b.Requests && a.Failures == b.Failures && a.ColdStarts == b.ColdStarts
            && a.InputTokens == b.InputTokens && a.OutputTokens == b.OutputTokens && a.Cost == b.Cost
            && Close(a.QueueMs, b.QueueMs) && Close(a.ColdStartMs, b.ColdStartMs) && Close(a.ComputeMs, b.ComputeMs)
            && Close(a.MemoryMbSeconds, b.MemoryMbSeconds) && Close(a.EnergyJoules, b.EnergyJoules)
            && a.FailureReasons.Count == b.FailureReasons.Count
            && a.FailureReasons.All(r => b.FailureReasons.GetValueOrDefault(r.Key) == r.Value);
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
}
