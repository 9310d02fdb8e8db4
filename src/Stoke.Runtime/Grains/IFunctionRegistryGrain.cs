using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Grains;

/// <summary>A tenant's deployed functions and all their versions; keyed by tenant, persisted.</summary>
public interface IFunctionRegistryGrain : IGrainWithStringKey
{
    /// <summary>Adds a new version of <paramref name="draft"/>'s function (version = latest + 1) and returns it.</summary>
    Task<FunctionSpec> Register(FunctionSpec draft);

    /// <summary>The named version, or the latest when <paramref name="version"/> is null; null when there is none.</summary>
    Task<FunctionSpec?> Get(string name, int? version);

    Task<FunctionSpec[]> Versions(string name);

    /// <summary>The latest version of every function.</summary>
    Task<FunctionSpec[]> List();

    /// <summary>Removes the function and all its versions; returns what was removed.</summary>
    Task<FunctionSpec[]> Delete(string name);
}

/// <summary>Persisted state of <see cref="IFunctionRegistryGrain"/>.</summary>
[GenerateSerializer]
public sealed class FunctionRegistryState
{
    [Id(0)] public Dictionary<string, List<FunctionSpec>> Functions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Highest version ever given per name, so a redeploy after a delete never reuses a version number.</summary>
    [Id(1)] public Dictionary<string, int> LastVersion { get; set; } = new(StringComparer.Ordinal);
}
