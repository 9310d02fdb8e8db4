using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Management;
using Stoke.Gateway.Routing;
using Stoke.Pipelines.Deployment;
using Stoke.Pipelines.Execution;
using Stoke.Pipelines.Fusion;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Yaml;
using Stoke.Runtime.Grains;

namespace Stoke.Gateway.Pipelines;

/// <summary>
/// <c>POST /api/pipelines/{name}</c> (deploy a pipeline spec as a function), <c>GET /api/pipelines/{name}</c> (its
/// graph, its steps' instances and where its last request spent its time). A pipeline is invoked through the OIP
/// infer endpoints of REST and gRPC, as any function (<see cref="OpenInference.OipInference"/>).
/// </summary>
public static class PipelineEndpoints
{
    public static void MapPipelines(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/pipelines/{name}", Deploy);
        app.MapGet("/api/pipelines/{name}", Describe);
    }

    private static async Task<IResult> Deploy(HttpContext context, string name)
    {
        var options = context.RequestServices.GetRequiredService<GatewayOptions>();
        var body = await RequestBody.ReadAsync(context, options.MaxRequestBodyBytes);
        var document = System.Text.Encoding.UTF8.GetString(body);
        // A YAML spec is read into the JSON form first, so both are validated alike (docs/pipelines.md, "YAML").
        var spec = PipelineSpecYaml.IsYamlMediaType(context.Request.ContentType) ? PipelineSpecYaml.Parse(document) : PipelineSpecJson.Parse(document);
        foreach (var (file, text) in spec.Files)
        {
            if (text.StartsWith('@'))
            {
                throw SpecError.At(null, "files." + file, $"'{text}' names a local file: inline its text (stoke deploy-pipeline does)");
            }
        }

        await context.RequestServices.GetRequiredService<Management.DeployRules>().CheckPipelineAsync(context.Caller(), name);
        var deployed = await context.RequestServices.GetRequiredService<PipelineDeployer>().DeployAsync(context.Tenant(), name, spec, context.RequestAborted);
        context.RequestServices.GetRequiredService<FunctionDirectory>().Invalidate(deployed.Tenant, deployed.Name);
        return Results.Json(deployed, ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Describe(HttpContext context, string name)
    {
        var services = context.RequestServices;
        var spec = await services.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), name, null);
        if (spec.Engine != FunctionSpec.PipelineEngine)
        {
            throw new StokeException(StokeErrorKind.NotFound, $"'{name}' is a model function, not a pipeline.");
        }

        var compiled = await services.GetRequiredService<PipelineCatalog>().GetAsync(spec);
        var grains = services.GetRequiredService<IGrainFactory>();
        var directory = services.GetRequiredService<FunctionDirectory>();
        var steps = await Task.WhenAll(compiled.Steps.Select(async s =>
        {
            FunctionStatus? status = null;
            if (s.Spec.Function is { } function)
            {
                var target = await directory.ResolveAsync(spec.Tenant, function, s.Spec.Version);
                status = await grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(target)).Status();
            }

            return new PipelineStepView(s.Name, s.Kind.ToString().ToLowerInvariant(), s.Runs, [.. s.ReadsFrom], [.. s.Owns], s.Owner,
                [.. s.Outputs.Select(o => $"{o.Name} {o.DataType.ToWireName()} {TensorShape.Format(o.Shape)}")], status);
        }));
        var last = services.GetRequiredService<PipelineTraces>().Last(spec.Key, spec.Version);
        return Results.Json(new PipelineDescription(spec.Name, spec.Version, compiled.Spec.Prewarm, steps, compiled.Fusion, last), ApiJson.Options);
    }
}

/// <summary>One step of <c>GET /api/pipelines/{name}</c>: what it runs and reads, and its function's live status.</summary>
public sealed record PipelineStepView(string Name, string Kind, string Runs, string[] Reads, string[] Owns, string? Owner, string[] Outputs, FunctionStatus? Function);

/// <summary><c>GET /api/pipelines/{name}</c>: the latest version's graph, its steps, its fusion decisions, and its last request on this node.</summary>
public sealed record PipelineDescription(string Name, int Version, bool Prewarm, PipelineStepView[] Steps, FusionPlan Fusion, PipelineTrace? LastRequest);
