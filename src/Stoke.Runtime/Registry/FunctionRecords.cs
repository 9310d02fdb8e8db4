using Orleans.Runtime;
using Orleans.Storage;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Runtime.Grains;

namespace Stoke.Runtime.Registry;

/// <summary>
/// The per-function records of one tenant's registry in the <c>stoke</c> grain storage: state
/// <see cref="FunctionVersionsState.StateName"/>, one record per function name, so a deploy rewrites its own function's versions only.
/// </summary>
internal sealed class FunctionRecords(IGrainStorage storage, string tenant)
{
    // Reads at activation go this many at a time: a tenant of thousands loads in round trips of this size.
    private const int ReadsAtOnce = 32;

    /// <summary>The record of <paramref name="name"/>; a corrupt one comes back marked unreadable, not thrown.</summary>
    public async Task<FunctionRecord> ReadAsync(string name)
    {
        var state = new GrainState<FunctionVersionsState>();
        try
        {
            await storage.ReadStateAsync(FunctionVersionsState.StateName, IdOf(name), state);
        }
        catch (StokeException refused) when (refused.Kind == StokeErrorKind.Internal)
        {
            // A quarantined file (FileGrainStorage): this function is refused, the tenant's others keep serving.
            return new FunctionRecord(name) { Unreadable = refused };
        }

        // A store with no record for the name may leave the state null.
        var stored = state.State ?? new FunctionVersionsState();
        return new FunctionRecord(name) { Versions = stored.Versions, LastVersion = stored.LastVersion, ETag = state.ETag };
    }

    public async Task<FunctionRecord[]> ReadAllAsync(IEnumerable<string> names)
    {
        var records = new List<FunctionRecord>();
        foreach (var chunk in names.Chunk(ReadsAtOnce))
        {
            records.AddRange(await Task.WhenAll(chunk.Select(ReadAsync)));
        }

        return [.. records];
    }

    /// <summary>
    /// Stores <paramref name="versions"/> as the function's record; <paramref name="record"/> takes them only once
    /// the store has them, so a refused write leaves the registry as the store still holds it.
    /// </summary>
    public async Task WriteAsync(FunctionRecord record, FunctionSpec[] versions, int lastVersion)
    {
        var state = new GrainState<FunctionVersionsState>(new FunctionVersionsState { Versions = versions, LastVersion = lastVersion }, record.ETag);
        await storage.WriteStateAsync(FunctionVersionsState.StateName, IdOf(record.Name), state);
        record.Versions = versions;
        record.LastVersion = lastVersion;
        record.ETag = state.ETag;
    }

    private GrainId IdOf(string name) => GrainId.Create(FunctionVersionsState.StateName, FunctionKey.Of(tenant, name));
}
