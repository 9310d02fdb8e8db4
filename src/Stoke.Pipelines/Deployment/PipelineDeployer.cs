using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;
using Stoke.Runtime.Deployment;
using Stoke.Runtime.Grains;

namespace Stoke.Pipelines.Deployment;

/// <summary>
/// Deploys a pipeline as a function: validates the whole spec against the tenant's functions first (a bad one is a
/// 400 naming the step and field, and registers nothing), then registers a new version with engine
/// <see cref="FunctionSpec.PipelineEngine"/>, the pipeline's signature and its spec. The composite functions its fusion
/// plan asks for are deployed first (<see cref="CompositeDeployer"/>), so the first request finds them.
/// </summary>
public sealed partial class PipelineDeployer(PipelineCompiler compiler, CompositeDeployer composites, IGrainFactory grains, ILogger<PipelineDeployer> logger)
{
    public async Task<FunctionSpec> DeployAsync(string tenant, string name, PipelineSpec spec, CancellationToken cancellationToken)
    {
        FunctionDeployer.ValidateName(name);
        if (spec.Steps.Any(s => s.Function == name))
        {
            throw SpecError.At(spec.Steps.First(s => s.Function == name).Name, "function", $"the pipeline '{name}' cannot call itself");
        }

        var compiled = await compiler.CompileAsync(tenant, spec, cancellationToken);
        var existing = await grains.GetGrain<IFunctionRegistryGrain>(tenant).Get(name, null);
        if (existing is not null && existing.Engine != FunctionSpec.PipelineEngine)
        {
            throw new StokeException(StokeErrorKind.Conflict, $"'{name}' is a model function; a pipeline needs a name of its own.");
        }

        await composites.DeployAsync(tenant, name, compiled, cancellationToken);
        var json = PipelineSpecJson.Write(spec);
        var bytes = Encoding.UTF8.GetBytes(json);
        var draft = new FunctionSpec
        {
            Tenant = tenant,
            Name = name,
            Version = 0,
            Engine = FunctionSpec.PipelineEngine,
            Artifact = new ArtifactRef(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, "pipeline.json"),
            Signature = compiled.Signature,
            Pipeline = json,
        };
        var registered = await grains.GetGrain<IFunctionRegistryGrain>(tenant).Register(draft);
        foreach (var group in compiled.Fusion.Groups)
        {
            Log.Fused(logger, name, registered.Version, group.Name, group.Reason);
        }

        foreach (var pair in compiled.Fusion.NotFused)
        {
            Log.NotFused(logger, name, registered.Version, pair.From, pair.To, pair.Reason);
        }

        return registered;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1800, Level = LogLevel.Information, Message = "Pipeline {Pipeline} v{Version}: fused {Group}: {Reason}")]
        public static partial void Fused(ILogger logger, string pipeline, int version, string group, string reason);

        [LoggerMessage(EventId = 1801, Level = LogLevel.Debug, Message = "Pipeline {Pipeline} v{Version}: {From} -> {To} not fused: {Reason}")]
        public static partial void NotFused(ILogger logger, string pipeline, int version, string from, string to, string reason);
    }
}

/// <summary>Compiled pipelines by version (a version's spec never changes), compiled on first use on this node.</summary>
public sealed class PipelineCatalog(PipelineCompiler compiler)
{
    private readonly ConcurrentDictionary<(string Key, int Version), Task<CompiledPipeline>> _compiled = new();

    public Task<CompiledPipeline> GetAsync(FunctionSpec pipeline)
    {
        if (pipeline.Pipeline is null)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"'{pipeline.Name}' is not a pipeline.");
        }

        var task = _compiled.GetOrAdd((pipeline.Key, pipeline.Version), _ => compiler.CompileAsync(pipeline.Tenant, PipelineSpecJson.Parse(pipeline.Pipeline), CancellationToken.None));
        if (task.IsFaulted)
        {
            // A step's function was missing at the time: try again on the next request.
            _compiled.TryRemove((pipeline.Key, pipeline.Version), out _);
        }

        return task;
    }
}
