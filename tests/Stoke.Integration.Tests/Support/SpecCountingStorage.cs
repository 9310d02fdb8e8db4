using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Stoke.Runtime.Grains;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// The node's <c>stoke</c> grain storage with a count of what the registry and the artifact references write: records
/// per state name, and the function specs and artifact users those records hold (what a write costs grows with them).
/// </summary>
public sealed class SpecCountingStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<string, int> _records = new(StringComparer.Ordinal);
    private int _specs;
    private int _artifactUsers;

    /// <summary>Replaces the registered <c>stoke</c> storage of <paramref name="services"/> with a counting one.</summary>
    public static void Install(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, StokeStorage.Name));
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(StokeStorage.Name, (sp, key) => new SpecCountingStorage((IGrainStorage)registered.KeyedImplementationFactory!(sp, key)));
    }

    public int Specs => Volatile.Read(ref _specs);

    /// <summary>Function names written in artifact reference records, over all writes so far.</summary>
    public int ArtifactUsers => Volatile.Read(ref _artifactUsers);

    public int Records(string stateName) => _records.GetValueOrDefault(stateName);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        _records.AddOrUpdate(stateName, 1, (_, n) => n + 1);
        Interlocked.Add(ref _specs, grainState.State switch
        {
            FunctionRegistryState index => index.Functions.Values.Sum(v => v.Count),
            FunctionVersionsState function => function.Versions.Length,
            _ => 0,
        });
        Interlocked.Add(ref _artifactUsers, grainState.State switch
        {
            ArtifactReferencesState header => header.Functions.Count,
            ArtifactUsersState bucket => bucket.Functions.Count,
            _ => 0,
        });
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
