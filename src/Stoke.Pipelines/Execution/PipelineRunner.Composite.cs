using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Fusion;
using Stoke.Pipelines.Graph;
using Stoke.Runtime.Invocation;

namespace Stoke.Pipelines.Execution;

public sealed partial class PipelineRunner
{
    /// <summary>
    /// The composite function deployed for this pipeline's group from this version's pins; null when there is none
    /// (deleted, or an older version whose pins differ from the latest composite's), and the steps then run one by one.
    /// </summary>
    internal async Task<FunctionSpec?> CompositeAsync(FunctionSpec pipeline, CompiledPipeline compiled, FusedGroup group, CancellationToken cancellationToken)
    {
        var spec = await functions.FindAsync(pipeline.Tenant, CompositeFunctions.NameOf(pipeline.Name, group), null, cancellationToken);
        return spec is not null && CompositeFunctions.Serves(spec, pipeline.Name, CompositeFunctions.SourcesOf(compiled, group)) ? spec : null;
    }

    // What a request calls: every function step on its own, except those a composite serves, which call the composite.
    private async Task<(string Step, FunctionSpec Spec)[]> TargetsAsync(FunctionSpec pipeline, CompiledPipeline compiled, CancellationToken cancellationToken)
    {
        var composites = compiled.Fusion.Groups.Where(g => g.Composite).ToArray();
        var served = await Task.WhenAll(composites.Select(g => CompositeAsync(pipeline, compiled, g, cancellationToken)));
        var covered = composites.Zip(served).Where(c => c.Second is not null).SelectMany(c => c.First.Steps).ToHashSet(StringComparer.Ordinal);
        var steps = compiled.FunctionSteps.Where(s => !covered.Contains(s.Name)).ToArray();
        var specs = await Task.WhenAll(steps.Select(s => ResolveAsync(pipeline.Tenant, s, cancellationToken)));
        return [.. composites.Zip(served).Where(c => c.Second is not null).Select(c => (c.First.Name, c.Second!)), .. steps.Select(s => s.Name).Zip(specs)];
    }

    private sealed partial class Run
    {
        // A composite group: one call of the composite function with the first step's inputs gives the last step's
        // outputs. Its time, batch and instance are the first step's in the trace; the others show 0 ms, inside it.
        private async Task RunCompositeAsync(FusedGroup group)
        {
            var steps = group.Steps.Select(s => compiled.ByName[s]).ToArray();
            await Task.WhenAll(steps[0].ReadsFrom.Select(s => Of(compiled.ByName[s])));
            var composite = await runner.CompositeAsync(pipeline, compiled, group, _cancellationToken);
            if (composite is null)
            {
                foreach (var step in steps)
                {
                    await ExecuteAsync(step, null);
                }

                return;
            }

            _cancellationToken.ThrowIfCancellationRequested();
            var started = runner.Time.GetTimestamp();
            InferenceOutcome? outcome = null;
            try
            {
                outcome = await runner.InvokeAsync(composite, new InferenceRequest(request.Id, [.. Inputs(steps[0]).Values], null), options, _cancellationToken);
                Usage.Add(outcome.Usage);
                foreach (var output in outcome.Outputs)
                {
                    _values[steps[^1].Name + "." + output.Name] = output;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_cancellationToken.IsCancellationRequested)
            {
                await FailAsync(group.Name, "composite function " + composite.Name, ex);
                throw;
            }
            finally
            {
                var ms = runner.Time.GetElapsedTime(started).TotalMilliseconds;
                foreach (var step in steps)
                {
                    Traces[step.Name] = step == steps[0]
                        ? new StepTrace(step.Name, step.Runs, ms, 1, outcome is null ? [] : [outcome.Usage.BatchSize], outcome?.InstanceId, outcome?.Usage.ColdStartTier, outcome?.Usage.ColdStartMs ?? 0, group.Name)
                        : new StepTrace(step.Name, step.Runs, 0, 1, [], outcome?.InstanceId, null, 0, group.Name);
                }
            }
        }
    }
}
