using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Gateway.Routing;
using Stoke.Pipelines.Deployment;
using Stoke.Pipelines.Execution;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Transforms;
using Stoke.Runtime.Routing;
using Stoke.Runtime.Traffic;

namespace Stoke.Gateway.Pipelines;

/// <summary>The gateway's pipeline services: the compiler over this node's function directory, the runner over its invoker.</summary>
public static class PipelineServices
{
    public static void Add(IServiceCollection services, IServiceProvider silo)
    {
        services.AddSingleton(TransformCatalog.BuiltIn);
        services.AddSingleton<IStepFunctions, DirectoryStepFunctions>();
        services.AddSingleton<PipelineCompiler>();
        services.AddSingleton<IChainPrewarm>(new NodeChainPrewarm(
            silo.GetRequiredService<NodeRouter>(), silo.GetRequiredService<IGrainFactory>(), silo.GetRequiredService<ILogger<NodeChainPrewarm>>()));
        services.AddSingleton(silo.GetRequiredService<NodeTraffic>());
        services.AddSingleton<PipelineRunner>();
        services.AddSingleton<PipelineTraces>();
        services.AddSingleton<PipelineCatalog>();
        var artifacts = silo.GetRequiredService<Stoke.Runtime.Instances.NodeHost>().Artifacts;
        services.AddSingleton(new CompositeDeployer(
            silo.GetRequiredService<Stoke.Runtime.Deployment.FunctionDeployer>(), silo.GetRequiredService<IGrainFactory>(), async (a, c) => (await artifacts.FetchAsync(a, c)).Bytes));
        services.AddSingleton<PipelineDeployer>();
        services.AddSingleton<PipelineInvoker>();
        services.AddSingleton<OpenInference.OipInference>();
    }
}

/// <summary>Step functions as this node's <see cref="FunctionDirectory"/> knows them (cached for its TTL).</summary>
internal sealed class DirectoryStepFunctions(FunctionDirectory directory) : IStepFunctions
{
    public async Task<FunctionSpec?> FindAsync(string tenant, string name, int? version, CancellationToken cancellationToken)
    {
        try
        {
            return await directory.ResolveAsync(tenant, name, version);
        }
        catch (StokeException ex) when (ex.Kind == StokeErrorKind.NotFound)
        {
            return null;
        }
    }
}
