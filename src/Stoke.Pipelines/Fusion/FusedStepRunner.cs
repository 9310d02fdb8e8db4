using System.Collections.Concurrent;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Transforms;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Instances;

namespace Stoke.Pipelines.Fusion;

/// <summary>
/// The node's <see cref="IFusedSteps"/>: runs a transform step fused into a function call on that call's outputs,
/// beside the instance that served it. The step is read once per pipeline version from the registry (a version's spec
/// never changes), so a call carries only its name, never the step's parameters or files.
/// </summary>
public sealed class FusedStepRunner(Func<FusedStepRef, Task<string?>> pipelineSpec, TransformCatalog transforms) : IFusedSteps
{
    /// <summary>Reads each fused step's pipeline version from the cluster's function registry.</summary>
    public FusedStepRunner(IGrainFactory grains)
        : this(async s => (await grains.GetGrain<IFunctionRegistryGrain>(s.Tenant).Get(s.Pipeline, s.Version))?.Pipeline, TransformCatalog.BuiltIn)
    {
    }

    private readonly ConcurrentDictionary<FusedStepRef, Lazy<Task<FusedTransform>>> _steps = new();

    public async Task<Tensor[]> RunAsync(FusedStepRef step, Tensor[] outputs, CancellationToken cancellationToken)
    {
        var lazy = _steps.GetOrAdd(step, s => new Lazy<Task<FusedTransform>>(() => LoadAsync(s)));
        FusedTransform fused;
        try
        {
            fused = await lazy.Value;
        }
        catch
        {
            _steps.TryRemove(KeyValuePair.Create(step, lazy));
            throw;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var inputs = fused.Wiring.ToDictionary(
            w => w.Input,
            w => (outputs.FirstOrDefault(o => o.Name == w.Output) ?? throw Missing(step, w.Output)) with { Name = w.Input },
            StringComparer.Ordinal);
        var results = fused.Transform.Run(inputs);
        return [.. results.Select((t, i) => t with { Name = fused.Transform.Outputs[i].Name })];
    }

    private async Task<FusedTransform> LoadAsync(FusedStepRef step)
    {
        var spec = await pipelineSpec(step) is { } json ? PipelineSpecJson.Parse(json) : null;
        var stepSpec = spec?.Steps.FirstOrDefault(s => s.Name == step.Step);
        if (spec is null || stepSpec?.Transform is null || !transforms.TryGet(stepSpec.Transform, out var factory))
        {
            throw new StokeException(StokeErrorKind.NotFound, $"Pipeline {step.Pipeline} v{step.Version} has no transform step '{step.Step}' to run fused into a call.");
        }

        var transform = factory.Create(new TransformSettings(stepSpec.Name, stepSpec.Parameters, stepSpec.Inputs.Keys, spec.Files));
        var wiring = stepSpec.Inputs.Select(i => TensorRef.TryParse(i.Value, out var r) ? (i.Key, r.Output) : throw Missing(step, i.Value)).ToArray();
        return new FusedTransform(transform, wiring);
    }

    private static StokeException Missing(FusedStepRef step, string output) =>
        new(StokeErrorKind.Internal, $"Fused step '{step.Step}' of {step.Pipeline} reads '{output}', which the call did not give.");

    private sealed record FusedTransform(ITransform Transform, (string Input, string Output)[] Wiring);
}
