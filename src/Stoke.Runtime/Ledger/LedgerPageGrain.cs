using Stoke.Abstractions.Usage;
using Stoke.Runtime.Grains;

namespace Stoke.Runtime.Ledger;

/// <summary>One sealed page of a tenant's ledger (keyed <c>tenant/page</c>): written once, when it fills, then only read.</summary>
public interface ILedgerPageGrain : IGrainWithStringKey
{
    /// <summary>Stores the page's entries; writing the same page again (a retried seal) replaces it with the same entries.</summary>
    Task Write(LedgerEntry[] entries);

    Task<LedgerEntry[]> Read();
}

internal sealed class LedgerPageGrain([PersistentState("ledger-page", StokeStorage.Name)] IPersistentState<LedgerPageState> state)
    : Grain, ILedgerPageGrain
{
    public async Task Write(LedgerEntry[] entries)
    {
        state.State.Entries = entries;
        await state.WriteStateAsync();
    }

    public Task<LedgerEntry[]> Read() => Task.FromResult(state.State.Entries);
}

[GenerateSerializer]
public sealed class LedgerPageState
{
    [Id(0)] public LedgerEntry[] Entries { get; set; } = [];
}
