using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Grains;

/// <summary>A tenant's deployed functions and all their versions; keyed by tenant, persisted.</summary>
public interface IFunctionRegistryGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds a new version of <paramref name="draft"/>'s function (version = latest + 1) and returns it; refused (403,
    /// 413) when it would pass the tenant's deploy caps (<see cref="Quotas.ITenantDeployCaps"/>).
    /// </summary>
    Task<FunctionSpec> Register(FunctionSpec draft);

    /// <summary>
    /// Throws the refusal a deploy of <paramref name="names"/> with <paramref name="artifacts"/> (SHA-256 to size)
    /// would get from the tenant's deploy caps now: the gateway's check before it stores any byte.
    /// </summary>
    Task CheckCaps(string[] names, Dictionary<string, long> artifacts);

    /// <summary>The named version, or the latest when <paramref name="version"/> is null; null when there is none.</summary>
    Task<FunctionSpec?> Get(string name, int? version);

    Task<FunctionSpec[]> Versions(string name);

    /// <summary>The latest version of every function.</summary>
    Task<FunctionSpec[]> List();

    /// <summary>Removes the function and all its versions; returns what was removed.</summary>
    Task<FunctionSpec[]> Delete(string name);
}

/// <summary>
/// Persisted index of <see cref="IFunctionRegistryGrain"/> (state <c>registry</c>, one per tenant): the names of the
/// tenant's functions, each of whose versions is its own record (<see cref="FunctionVersionsState"/>), so a deploy
/// writes its function's record and, for a new name only, this index.
/// </summary>
[GenerateSerializer]
public sealed class FunctionRegistryState
{
    public const string StateName = "registry";

    /// <summary>The first layout's specs, every function's in this one record; moved to per-function records at activation, then empty.</summary>
    [Id(0)] public Dictionary<string, List<FunctionSpec>> Functions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The first layout's last version per name; moved with <see cref="Functions"/>, then empty.</summary>
    [Id(1)] public Dictionary<string, int> LastVersion { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every name ever registered (deleted ones too: their record keeps the last version given).</summary>
    [Id(2)] public List<string> Names { get; set; } = [];
}

/// <summary>Persisted versions of one function (state <c>registry-function</c>, keyed tenant/name).</summary>
[GenerateSerializer]
public sealed class FunctionVersionsState
{
    public const string StateName = "registry-function";

    /// <summary>The live versions, oldest first; empty once the function is deleted.</summary>
    [Id(0)] public FunctionSpec[] Versions { get; set; } = [];

    /// <summary>Highest version ever given, so a redeploy after a delete never reuses a version number.</summary>
    [Id(1)] public int LastVersion { get; set; }
}
