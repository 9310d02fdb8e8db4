using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Stoke.Abstractions.Functions;
using Stoke.Runtime.Registry;

namespace Stoke.Runtime.Grains;

// A tenant's registry: an index of names (state "registry") and one record per function (FunctionRecords), all held
// in memory while active. A deploy writes its function's record, and the index only for a name it has not seen: O(1)
// records whatever the tenant's size, where the first layout rewrote every spec of the tenant at each deploy.
internal sealed partial class FunctionRegistryGrain(
    [PersistentState(FunctionRegistryState.StateName, StokeStorage.Name)] IPersistentState<FunctionRegistryState> index,
    IEnumerable<Quotas.ITenantDeployCaps> caps,
    TimeProvider time) : Grain, IFunctionRegistryGrain
{
    private readonly Dictionary<string, FunctionRecord> _functions = new(StringComparer.Ordinal);
    private readonly SpecInterner _interner = new();
    private FunctionRecords _records = null!;

    private string Tenant => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _records = new FunctionRecords(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StokeStorage.Name), Tenant);
        if (index.State.Functions.Count > 0 || index.State.LastVersion.Count > 0)
        {
            await MigrateFirstLayoutAsync();
        }

        foreach (var record in await _records.ReadAllAsync(index.State.Names))
        {
            record.Versions = Array.ConvertAll(record.Versions, v => _interner.Share(v, record.Name));
            _functions[record.Name] = record;
        }
    }

    public async Task<FunctionSpec> Register(FunctionSpec draft)
    {
        // Checked here, one deploy at a time, so that two deploys racing at a cap cannot both pass.
        CheckCapsNow([draft.Name], DeployCaps.ArtifactsOf(draft));
        var record = _functions.TryGetValue(draft.Name, out var known) ? known.Readable() : await AddNameAsync(draft.Name);
        var next = Math.Max(record.LastVersion, record.Latest?.Version ?? 0) + 1;
        var spec = _interner.Share(draft with { Tenant = Tenant, Version = next, CreatedAt = time.GetUtcNow() }, record.Name);
        await _records.WriteAsync(record, [.. record.Versions, spec], next);
        return spec;
    }

    public Task CheckCaps(string[] names, Dictionary<string, long> artifacts)
    {
        CheckCapsNow(names, artifacts);
        return Task.CompletedTask;
    }

    private void CheckCapsNow(IReadOnlyCollection<string> names, IReadOnlyDictionary<string, long> artifacts)
    {
        var (maxFunctions, maxBytes) = caps.Select(c => (c.MaxFunctions(Tenant), c.MaxArtifactBytes(Tenant))).FirstOrDefault();
        if (maxFunctions > 0 || maxBytes > 0)
        {
            DeployCaps.Check(Tenant, [.. _functions.Values.Select(r => r.Readable()).Where(r => r.Versions.Length > 0)], names, artifacts, maxFunctions, maxBytes);
        }
    }

    public Task<FunctionSpec?> Get(string name, int? version)
    {
        if (!_functions.TryGetValue(name, out var record))
        {
            return Task.FromResult<FunctionSpec?>(null);
        }

        var versions = record.Readable().Versions;
        return Task.FromResult(version is null ? record.Latest : Array.Find(versions, v => v.Version == version));
    }

    public Task<FunctionSpec[]> Versions(string name) =>
        Task.FromResult(_functions.TryGetValue(name, out var record) ? record.Readable().Versions : []);

    public Task<FunctionSpec[]> List() =>
        Task.FromResult(_functions.Values.Select(r => r.Readable().Latest).OfType<FunctionSpec>().OrderBy(s => s.Name, StringComparer.Ordinal).ToArray());

    public async Task<FunctionSpec[]> Delete(string name)
    {
        if (!_functions.TryGetValue(name, out var record) || record.Readable().Versions.Length == 0)
        {
            return [];
        }

        // The record stays, empty, with its last version: a redeploy of the name continues the numbering.
        var removed = record.Versions;
        await _records.WriteAsync(record, [], Math.Max(record.LastVersion, removed[^1].Version));
        return removed;
    }

    // The index learns a new name before its record is written: a name whose record never came is only a name with
    // no versions, where a record the index does not name would be lost. A refused index write leaves the name out.
    private async Task<FunctionRecord> AddNameAsync(string name)
    {
        var record = (await _records.ReadAsync(name)).Readable();
        index.State.Names.Add(name);
        try
        {
            await index.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            index.State.Names.Remove(name);
            throw;
        }

        _functions[name] = record;
        return record;
    }
}

/// <summary>The name of Stoke's grain storage provider.</summary>
public static class StokeStorage
{
    public const string Name = "stoke";
}
