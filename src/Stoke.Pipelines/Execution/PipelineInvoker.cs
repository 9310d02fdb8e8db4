using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Invocation;
using Stoke.Runtime.Traffic;

namespace Stoke.Pipelines.Execution;

/// <summary>
/// Serves a request to a pipeline function: compiles it once per version, runs it, meters it as a whole on this
/// node (its usage record, latency and failures, beside each function step's own), and keeps its trace for describe.
/// </summary>
public sealed class PipelineInvoker(Deployment.PipelineCatalog catalog, PipelineRunner runner, NodeTraffic traffic, PipelineTraces traces, TimeProvider time)
{
    public async Task<PipelineOutcome> InvokeAsync(FunctionSpec pipeline, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var compiled = await catalog.GetAsync(pipeline);
            var outcome = await runner.RunAsync(pipeline, compiled, request, options, cancellationToken);
            var totalMs = time.GetElapsedTime(started).TotalMilliseconds;
            traffic.Answered(pipeline, outcome.Usage, totalMs);
            traces.Record(pipeline.Key, pipeline.Version, new PipelineTrace(time.GetUtcNow(), totalMs, outcome.Steps, outcome.Prewarmed, null));
            return outcome;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var reason = ex is StokeException s ? System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.Kind.ToString()) : "internal";
            traffic.Failed(pipeline, reason);
            traces.Record(pipeline.Key, pipeline.Version, new PipelineTrace(time.GetUtcNow(), time.GetElapsedTime(started).TotalMilliseconds, [], [], ex.Message));
            throw;
        }
    }
}
