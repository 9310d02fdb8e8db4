using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Grains;

internal sealed class FunctionRegistryGrain(
    [PersistentState("registry", StokeStorage.Name)] IPersistentState<FunctionRegistryState> state,
    TimeProvider time) : Grain, IFunctionRegistryGrain
{
    public async Task<FunctionSpec> Register(FunctionSpec draft)
    {
        var tenant = this.GetPrimaryKeyString();
        var listed = state.State.Functions.TryGetValue(draft.Name, out var list);
        var versions = list ?? [];
        var hadLast = state.State.LastVersion.TryGetValue(draft.Name, out var last);
        var next = Math.Max(last, versions.Count == 0 ? 0 : versions[^1].Version) + 1;
        var spec = draft with { Tenant = tenant, Version = next, CreatedAt = time.GetUtcNow() };
        versions.Add(spec);
        state.State.Functions[draft.Name] = versions;
        state.State.LastVersion[draft.Name] = next;
        await WriteOrRevertAsync(() =>
        {
            versions.Remove(spec);
            if (!listed)
            {
                state.State.Functions.Remove(draft.Name);
            }

            if (hadLast)
            {
                state.State.LastVersion[draft.Name] = last;
            }
            else
            {
                state.State.LastVersion.Remove(draft.Name);
            }
        });
        return spec;
    }

    public Task<FunctionSpec?> Get(string name, int? version)
    {
        if (!state.State.Functions.TryGetValue(name, out var versions) || versions.Count == 0)
        {
            return Task.FromResult<FunctionSpec?>(null);
        }

        var spec = version is null ? versions[^1] : versions.Find(v => v.Version == version);
        return Task.FromResult(spec);
    }

    public Task<FunctionSpec[]> Versions(string name) =>
        Task.FromResult(state.State.Functions.TryGetValue(name, out var versions) ? versions.ToArray() : []);

    public Task<FunctionSpec[]> List() =>
        Task.FromResult(state.State.Functions.Values.Where(v => v.Count > 0).Select(v => v[^1]).OrderBy(s => s.Name, StringComparer.Ordinal).ToArray());

    public async Task<FunctionSpec[]> Delete(string name)
    {
        if (!state.State.Functions.Remove(name, out var versions))
        {
            return [];
        }

        await WriteOrRevertAsync(() => state.State.Functions[name] = versions);
        return versions.ToArray();
    }

    // A write the store refused (down, full) leaves the registry as the store still holds it: the refused deploy or
    // delete is not served from memory, and no later write makes it durable behind the caller's back.
    private async Task WriteOrRevertAsync(Action revert)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            revert();
            throw;
        }
    }
}

/// <summary>The name of Stoke's grain storage provider.</summary>
public static class StokeStorage
{
    public const string Name = "stoke";
}
