using Stoke.Abstractions.Usage;
using Stoke.Runtime.Grains;

namespace Stoke.Runtime.Ledger;

/// <summary>
/// The ledger's head: the open page of entries, the sealed pages' count, the last sequence appended per source
/// (which makes appends idempotent) and the running totals. A full page is written to its own grain before the head
/// forgets it, so a failed write loses nothing: the head keeps the page until both writes succeed, and the caller
/// keeps its batches unacknowledged until its append returns.
/// </summary>
internal sealed class TenantLedgerGrain(
    [PersistentState("ledger", StokeStorage.Name)] IPersistentState<TenantLedgerState> state,
    IGrainFactory grains,
    TimeProvider time) : Grain, ITenantLedgerGrain
{
    // Entries taken in memory but not yet written: the next append writes them even when it brings none of its own,
    // so a retry of a failed append (whose entries now look like duplicates) still makes them durable.
    private bool _dirty;

    public async Task<int> Append(LedgerEntry[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var s = state.State;
        var appended = 0;
        var now = time.GetUtcNow();
        foreach (var entry in entries.OrderBy(e => e.Sequence))
        {
            if (entry.Sequence <= s.LastSequence.GetValueOrDefault(entry.Source))
            {
                continue;
            }

            s.Open.Add(entry with { Position = s.Count + 1, RecordedAt = now });
            s.Count++;
            s.LastSequence[entry.Source] = entry.Sequence;
            var key = LedgerLayout.VersionKey(entry.Function, entry.Version);
            s.Totals[key] = s.Totals.TryGetValue(key, out var total) ? total.Plus(entry.Usage) : entry.Usage;
            appended++;
        }

        if (appended == 0 && !_dirty)
        {
            return 0;
        }

        _dirty = true;
        while (s.Open.Count >= LedgerLayout.PageSize)
        {
            await grains.GetGrain<ILedgerPageGrain>(PageKey(this.GetPrimaryKeyString(), s.SealedPages)).Write([.. s.Open.Take(LedgerLayout.PageSize)]);
            s.Open.RemoveRange(0, LedgerLayout.PageSize);
            s.SealedPages++;
        }

        await state.WriteStateAsync();
        _dirty = false;
        return appended;
    }

    public async Task<LedgerEntry[]> Entries(long after, int limit)
    {
        var s = state.State;
        var take = Math.Clamp(limit, 1, 10_000);
        var result = new List<LedgerEntry>(Math.Min(take, 1024));
        // Positions are dense from 1: entry p sits on page (p - 1) / LedgerLayout.PageSize.
        for (var page = (int)(Math.Max(0, after) / LedgerLayout.PageSize); page < s.SealedPages && result.Count < take; page++)
        {
            var entries = await grains.GetGrain<ILedgerPageGrain>(PageKey(this.GetPrimaryKeyString(), page)).Read();
            result.AddRange(entries.Where(e => e.Position > after).Take(take - result.Count));
        }

        result.AddRange(s.Open.Where(e => e.Position > after).Take(take - result.Count));
        return [.. result];
    }

    public Task<LedgerTotals> Totals() =>
        Task.FromResult(new LedgerTotals(state.State.Count, new Dictionary<string, UsageSummary>(state.State.Totals, StringComparer.Ordinal)));

    private static string PageKey(string tenant, int page) => tenant + "/" + page.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

[GenerateSerializer]
public sealed class TenantLedgerState
{
    [Id(0)] public long Count { get; set; }
    [Id(1)] public int SealedPages { get; set; }
    [Id(2)] public List<LedgerEntry> Open { get; set; } = [];
    [Id(3)] public Dictionary<string, long> LastSequence { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public Dictionary<string, UsageSummary> Totals { get; set; } = new(StringComparer.Ordinal);
}
