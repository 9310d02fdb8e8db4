using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Partitioning.Composition;
using Stoke.Pipelines.Fusion;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;
using Stoke.Runtime.Deployment;
using Stoke.Runtime.Grains;

namespace Stoke.Pipelines.Deployment;

/// <summary>
/// Deploys the composite function of each composite group a pipeline's fusion plan holds (docs/pipelines.md,
/// "Fusion"): the steps' pinned models joined into one ONNX graph (<see cref="ModelComposer"/>), deployed as an
/// ordinary function that the pipeline owns, and deleted with it. A composite already built from the same pins is kept.
/// </summary>
public sealed class CompositeDeployer(FunctionDeployer deployer, IGrainFactory grains, Func<ArtifactRef, CancellationToken, Task<byte[]>> artifacts)
{
    /// <summary>Deploys what is missing; on a failure, removes the composites this call created and throws.</summary>
    public async Task<FunctionSpec[]> DeployAsync(string tenant, string pipeline, CompiledPipeline compiled, CancellationToken cancellationToken)
    {
        var registry = grains.GetGrain<IFunctionRegistryGrain>(tenant);
        var created = new List<string>();
        var composites = new List<FunctionSpec>();
        try
        {
            foreach (var group in compiled.Fusion.Groups.Where(g => g.Composite))
            {
                var name = CompositeFunctions.NameOf(pipeline, group);
                var sources = CompositeFunctions.SourcesOf(compiled, group);
                var existing = await registry.Get(name, null);
                if (existing is not null && CompositeFunctions.Serves(existing, pipeline, sources))
                {
                    composites.Add(existing);
                    continue;
                }

                if (existing is not null && existing.Derived?.Pipeline != pipeline)
                {
                    throw new StokeException(StokeErrorKind.Conflict, $"Steps {group.Name} fuse into a composite named '{name}', but a function of that name is not this pipeline's: rename it or deploy with \"fusion\": \"off\".");
                }

                composites.Add(await deployer.DeployAsync(await RequestAsync(tenant, pipeline, compiled, group, name, sources, cancellationToken), cancellationToken));
                if (existing is null)
                {
                    created.Add(name);
                }
            }
        }
        catch
        {
            foreach (var name in created)
            {
                await deployer.DeleteAsync(tenant, name);
            }

            throw;
        }

        return [.. composites];
    }

    /// <summary>Deletes every function the pipeline deployed for itself; returns their names.</summary>
    public async Task<string[]> DeleteAsync(string tenant, string pipeline)
    {
        var owned = (await grains.GetGrain<IFunctionRegistryGrain>(tenant).List()).Where(f => f.Derived?.Pipeline == pipeline).Select(f => f.Name).ToArray();
        foreach (var name in owned)
        {
            await deployer.DeleteAsync(tenant, name);
        }

        return owned;
    }

    // The first step's policies (it takes the chain's traffic), the smallest batch any step allows, the memory of all.
    private async Task<DeployRequest> RequestAsync(string tenant, string pipeline, CompiledPipeline compiled, FusedGroup group, string name, string sources, CancellationToken cancellationToken)
    {
        var steps = group.Steps.Select(s => compiled.ByName[s]).ToArray();
        var models = await Task.WhenAll(steps.Select(s => artifacts(s.Function!.Artifact, cancellationToken)));
        byte[] composite;
        try
        {
            composite = ModelComposer.Compose([.. steps.Select((s, i) => new ComposedModel(
                s.Name, models[i], s.Inputs.ToDictionary(w => w.Input, w => w.From.Output, StringComparer.Ordinal)))]);
        }
        catch (ArgumentException ex)
        {
            throw SpecError.At(group.Steps[^1], "function", $"fuses with {string.Join(", ", group.Steps[..^1].Select(s => $"'{s}'"))} into one composite, which cannot be built: {ex.Message} Deploy with \"fusion\": \"off\", or \"maxFusedMb\": 0 to keep function steps apart.");
        }

        var first = steps[0].Function!;
        return new DeployRequest
        {
            Tenant = tenant,
            Name = name,
            Artifact = composite,
            FileName = name + ".onnx",
            Batching = first.Batching with { MaxBatchSize = steps.Min(s => s.Function!.Batching.MaxBatchSize) },
            Scaling = first.Scaling,
            InstanceMemoryBytes = steps.Sum(s => s.Function!.InstanceMemoryBytes),
            Slo = first.Slo,
            Labels = first.Labels,
            Pricing = first.Pricing,
            Routing = first.Routing,
            Derived = new DerivedFrom(pipeline, sources),
        };
    }
}
