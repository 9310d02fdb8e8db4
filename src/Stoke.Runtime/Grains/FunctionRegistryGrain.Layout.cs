using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Grains;

internal sealed partial class FunctionRegistryGrain
{
    // A registry written by the first layout (every spec in the index record) is moved to one record per function:
    // the records first, then the index without the specs. A node stopped in between finds the old index whole and
    // moves it again over the records it had written (read first, for their ETags).
    private async Task MigrateFirstLayoutAsync()
    {
        var old = index.State;
        var names = old.Functions.Keys.Union(old.LastVersion.Keys, StringComparer.Ordinal).Union(old.Names, StringComparer.Ordinal).ToList();
        foreach (var record in await _records.ReadAllAsync(names))
        {
            var versions = old.Functions.TryGetValue(record.Name, out var list) ? list.ToArray() : record.Readable().Versions;
            var last = Math.Max(old.LastVersion.GetValueOrDefault(record.Name), versions.Length == 0 ? 0 : versions[^1].Version);
            await _records.WriteAsync(record.Readable(), versions, Math.Max(last, record.LastVersion));
        }

        index.State = new FunctionRegistryState { Names = names };
        await index.WriteStateAsync();
    }
}
