using System.Collections.Concurrent;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;
using Stoke.Runtime.Invocation;

namespace Stoke.Pipelines.Execution;

/// <summary>
/// Runs one request through a compiled pipeline: every step as soon as what it reads is there (independent steps in
/// parallel), function steps through the runtime's <see cref="IFunctionInvoker"/> (each keeps its own batching,
/// scaling and keep-alive; tensors stay in memory, and an instance on this node is called in process), transforms in
/// process. A failing step fails the request with its name; nothing of the other steps is returned.
/// </summary>
public sealed partial class PipelineRunner(IFunctionInvoker invoker, IStepFunctions functions, IChainPrewarm prewarm, TimeProvider time)
{
    public async Task<PipelineOutcome> RunAsync(FunctionSpec pipeline, CompiledPipeline compiled, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = new Run(this, pipeline, compiled, request, options, cancel);
        var prewarmed = await PrewarmAsync(pipeline, compiled, cancellationToken);
        try
        {
            await Task.WhenAll(compiled.Steps.Where(s => s.Owner is null).Select(run.Of));
        }
        catch
        {
            await cancel.CancelAsync();
            throw run.Failure ?? new StokeException(StokeErrorKind.Internal, "The pipeline failed.");
        }

        var outputs = compiled.Outputs.Select(o => run.Value(o.From) with { Name = o.Name }).ToArray();
        var usage = Total(pipeline, request.Id, run.Usage, time.GetElapsedTime(started).TotalMilliseconds);
        return new PipelineOutcome(outputs, [.. compiled.Steps.Select(s => run.Traces.GetValueOrDefault(s.Name)).OfType<StepTrace>()], usage, prewarmed);
    }

    // When a function step is cold, every cold function step is started now, so the chain loads in parallel: the
    // request then waits about for the slowest load instead of the sum of all.
    private async Task<string[]> PrewarmAsync(FunctionSpec pipeline, CompiledPipeline compiled, CancellationToken cancellationToken)
    {
        if (!compiled.Spec.Prewarm)
        {
            return [];
        }

        var cold = (await TargetsAsync(pipeline, compiled, cancellationToken)).Where(t => prewarm.IsCold(t.Spec)).ToArray();
        // Awaited: each controller decides before any step's own request reaches it (the decisions run in parallel).
        await Task.WhenAll(cold.Select(c => prewarm.PrewarmAsync(c.Spec, $"pipeline {pipeline.Name} pre-warm: step '{c.Step}' is cold", cancellationToken)));

        return [.. cold.Select(c => c.Step)];
    }

    internal async Task<FunctionSpec> ResolveAsync(string tenant, CompiledStep step, CancellationToken cancellationToken) =>
        await functions.FindAsync(tenant, step.Spec.Function!, step.Spec.Version, cancellationToken)
        ?? throw new StokeException(StokeErrorKind.NotFound, $"Step '{step.Name}': function '{step.Spec.Function}'{(step.Spec.Version is { } v ? " version " + v : "")} is no longer deployed.");

    internal Task<InferenceOutcome> InvokeAsync(FunctionSpec spec, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken) =>
        invoker.InvokeAsync(spec, request, options, cancellationToken);

    internal TimeProvider Time => time;

    // The pipeline as a whole: its steps' compute, memory and cost summed; cold start the longest a step waited.
    private UsageRecord Total(FunctionSpec pipeline, string? requestId, ConcurrentBag<UsageRecord> steps, double totalMs)
    {
        var cold = steps.Where(s => s.ColdStartTier is not null).OrderByDescending(s => s.ColdStartMs).FirstOrDefault();
        var compute = steps.Sum(s => s.ComputeMs);
        return new UsageRecord
        {
            Tenant = pipeline.Tenant,
            Function = pipeline.Name,
            Version = pipeline.Version,
            Node = steps.FirstOrDefault()?.Node ?? "",
            RequestId = requestId,
            Timestamp = time.GetUtcNow(),
            ColdStartMs = cold?.ColdStartMs ?? 0,
            ColdStartTier = cold?.ColdStartTier,
            ComputeMs = compute,
            QueueMs = Math.Max(0, totalMs - compute - (cold?.ColdStartMs ?? 0)),
            MemoryMbSeconds = steps.Sum(s => s.MemoryMbSeconds),
            BatchSize = 1,
            Cost = steps.Sum(s => s.Cost),
            EnergyJoules = steps.Sum(s => s.EnergyJoules),
        };
    }
}
