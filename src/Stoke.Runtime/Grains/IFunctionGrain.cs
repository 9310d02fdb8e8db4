using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Grains;

/// <summary>
/// Router, activator and control loop of one function version, keyed <c>tenant/name/version</c>. Every request
/// passes through it, so it sees the function's true concurrency; while no instance is ready it holds requests
/// (each within its deadline) and starts one.
/// </summary>
public interface IFunctionGrain : IGrainWithStringKey
{
    Task<InvokeOutcome> Invoke(InferenceRequest request, DateTimeOffset deadline);

    /// <summary>
    /// Picks a ready language-model instance, or holds the caller (within <paramref name="deadline"/>) while one starts,
    /// exactly as <see cref="Invoke"/> does; the generation counts as in flight until <see cref="Complete"/>.
    /// </summary>
    Task<GenerationLease> Acquire(string? requestId, DateTimeOffset deadline);

    /// <summary>Gives a lease back and records the generation's usage (tokens, time, cost).</summary>
    Task<UsageRecord> Complete(GenerationLease lease, GenerationReport report);

    Task<FunctionStatus> Status();

    Task<UsageSummary> Usage();

    /// <summary>The most recent per-request usage records of this activation, newest first.</summary>
    Task<UsageRecord[]> RecentUsage(int limit);

    /// <summary>The function was deleted: stop its instances and refuse further requests.</summary>
    Task Retire();

    /// <summary>A node dropped one of this function's instances (eviction).</summary>
    Task InstanceGone(string instanceId);

    /// <summary>One control-loop tick; called by the grain's own timer.</summary>
    Task Tick();
}

/// <summary>Builds the key of a function-version grain.</summary>
public static class FunctionVersionKey
{
    public static string Of(string tenant, string name, int version) => $"{tenant}/{name}/{version}";

    public static (string Tenant, string Name, int Version) Parse(string key)
    {
        var parts = key.Split('/');
        return (parts[0], parts[1], int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>A served request: its outputs and its usage record.</summary>
[GenerateSerializer, Immutable]
public sealed record InvokeOutcome(
    [property: Id(0)] Tensor[] Outputs,
    [property: Id(1)] UsageRecord Usage);
