using System.Collections.Concurrent;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;

namespace Stoke.Pipelines.Execution;

/// <summary>Where one request spent its time in one step.</summary>
/// <param name="Calls">Function or transform calls the step made (a splitter makes one per row).</param>
/// <param name="BatchSizes">The batch size the runtime reported for each function call (rows merged on the instance).</param>
/// <param name="ColdStartTier">Tier of a cold start a call waited for, or null.</param>
/// <param name="Fused">The fused group that ran the step (<see cref="Fusion.FusionPlan"/>), or null when it ran on its own.</param>
public sealed record StepTrace(string Step, string Runs, double Ms, int Calls, int[] BatchSizes, string? Instance, string? ColdStartTier, double ColdStartMs, string? Fused = null);

/// <summary>A served pipeline request: its outputs, each step's trace, its usage as a whole and the steps it pre-warmed.</summary>
public sealed record PipelineOutcome(Tensor[] Outputs, StepTrace[] Steps, UsageRecord Usage, string[] Prewarmed);

/// <summary>The last request of a pipeline version on this node, for <c>stoke describe</c>.</summary>
public sealed record PipelineTrace(DateTimeOffset At, double TotalMs, StepTrace[] Steps, string[] Prewarmed, string? Error);

/// <summary>Keeps each pipeline version's last request trace on this node.</summary>
public sealed class PipelineTraces
{
    private readonly ConcurrentDictionary<(string Key, int Version), PipelineTrace> _last = new();

    public void Record(string functionKey, int version, PipelineTrace trace) => _last[(functionKey, version)] = trace;

    public PipelineTrace? Last(string functionKey, int version) => _last.TryGetValue((functionKey, version), out var t) ? t : null;
}
