using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Usage;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Routing;
using Stoke.Runtime.Deployment;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Cluster;
using Stoke.Abstractions.Nodes;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.Management;

/// <summary>
/// The management API (<c>/api/...</c>): deploy, list, describe, delete, usage and live status. Each call sees only
/// the caller's tenant, except an operator's status (the whole cluster). Documented in docs/api.md.
/// </summary>
public static class ManagementEndpoints
{
    public static void MapManagement(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/functions/{name}", Deploy);
        app.MapGet("/api/functions", (Delegate)List);
        app.MapGet("/api/functions/{name}", Describe);
        app.MapDelete("/api/functions/{name}", Delete);
        app.MapGet("/api/usage", Usage);
        app.MapGet("/api/usage/records", Records);
        app.MapGet("/api/status", (Delegate)Status);
    }

    // The body is the model file; or a multipart form with the files 'model' and 'vocab' (an embedding function,
    // whose instances then tokenise and pool, so it answers /v1/embeddings as well as OIP v2).
    private static async Task<IResult> Deploy(HttpContext context, string name)
    {
        var options = context.RequestServices.GetRequiredService<GatewayOptions>();
        FunctionDeployer.ValidateName(name);
        DeployRequest request;
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var model = form.Files["model"] ?? throw new StokeException(StokeErrorKind.BadRequest, "A multipart deploy needs the form file 'model' (and 'vocab' for an embedding function).");
            request = DeploySettings.Parse(context.Tenant(), name, await ReadAsync(model, context.RequestAborted), context.Request.Query);
            if (form.Files["vocab"] is { } vocab)
            {
                request = request with { Tokenizer = await ReadAsync(vocab, context.RequestAborted), TokenizerKind = "bert" };
            }
        }
        else
        {
            request = DeploySettings.Parse(context.Tenant(), name, await RequestBody.ReadAsync(context, options.MaxModelBytes), context.Request.Query);
        }

        await context.RequestServices.GetRequiredService<DeployRules>().CheckAsync(context.Caller(), context.Request.Query, request);
        var spec = await context.RequestServices.GetRequiredService<FunctionDeployer>().DeployAsync(request, context.RequestAborted);
        context.RequestServices.GetRequiredService<FunctionDirectory>().Invalidate(spec.Tenant, spec.Name);
        return Results.Json(spec, ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> List(HttpContext context)
    {
        var specs = await Registry(context).List();
        return Results.Json(specs, ApiJson.Options);
    }

    private static async Task<IResult> Describe(HttpContext context, string name)
    {
        var versions = await Registry(context).Versions(name);
        if (versions.Length == 0)
        {
            throw new StokeException(StokeErrorKind.NotFound, $"Unknown function '{name}'.");
        }

        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var status = await Task.WhenAll(versions.Select(v => StatusOf(grains, time, v.Tenant, v.Name, v.Version)));
        return Results.Json(new FunctionDescription(versions[^1], versions, status), ApiJson.Options);
    }

    private static async Task<IResult> Delete(HttpContext context, string name)
    {
        var removed = await context.RequestServices.GetRequiredService<FunctionDeployer>().DeleteAsync(context.Tenant(), name);
        if (removed.Length == 0)
        {
            throw new StokeException(StokeErrorKind.NotFound, $"Unknown function '{name}'.");
        }

        var directory = context.RequestServices.GetRequiredService<FunctionDirectory>();
        directory.Invalidate(context.Tenant(), name);
        // A pipeline's composite functions (docs/pipelines.md, "Fusion") go with it.
        var composites = removed.Any(v => v.Engine == FunctionSpec.PipelineEngine)
            ? await context.RequestServices.GetRequiredService<Stoke.Pipelines.Deployment.CompositeDeployer>().DeleteAsync(context.Tenant(), name)
            : [];
        foreach (var composite in composites)
        {
            directory.Invalidate(context.Tenant(), composite);
        }

        return Results.Json(new { deleted = name, versions = removed.Select(v => v.Version).ToArray(), composites }, ApiJson.Options);
    }

    private static async Task<IResult> Usage(HttpContext context, string? function)
    {
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var registry = Registry(context);
        var names = function is null ? (await registry.List()).Select(s => s.Name).ToArray() : [function];
        var rows = new List<UsageSummary>();
        foreach (var name in names)
        {
            var versions = await registry.Versions(name);
            if (versions.Length == 0 && function is not null)
            {
                throw new StokeException(StokeErrorKind.NotFound, $"Unknown function '{name}'.");
            }

            foreach (var v in versions)
            {
                rows.Add(await grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(v.Tenant, v.Name, v.Version)).Usage());
            }
        }

        var total = rows.Aggregate(new UsageSummary { Tenant = context.Tenant(), Function = "*" }, (sum, r) => sum.Plus(r));
        return Results.Json(new UsageReport(context.Tenant(), rows, total), ApiJson.Options);
    }

    // Records stay on the node whose gateway answered the request: ask every reachable node, each within a timeout.
    private static async Task<IResult> Records(HttpContext context, string function, int? version, int? limit)
    {
        var spec = await context.RequestServices.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), function, version);
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var cluster = context.RequestServices.GetRequiredService<ClusterView>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var perNode = await Task.WhenAll(cluster.ReachableNodes().Select(async n =>
        {
            try
            {
                return await grains.GetGrain<INodeGrain>(n).RecentUsage(spec.Key, spec.Version, take).WaitAsync(TimeSpan.FromSeconds(2), time);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                cluster.Suspect(n, "no usage records: " + ex.GetType().Name);
                return [];
            }
        }));
        var records = perNode.SelectMany(r => r).OrderByDescending(r => r.Timestamp).Take(take).ToArray();
        return Results.Json(records, ApiJson.Options);
    }

    private static async Task<IResult> Status(HttpContext context)
    {
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var cluster = context.RequestServices.GetRequiredService<ClusterView>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var caller = context.Caller();
        var (nodes, unreachable) = await cluster.SnapshotsAsync();
        var keys = new HashSet<(string Tenant, string Name, int Version)>();
        foreach (var tenant in StatusScope.Tenants(caller, context.RequestServices.GetRequiredService<GatewayOptions>(), nodes))
        {
            try
            {
                keys.UnionWith((await grains.GetGrain<IFunctionRegistryGrain>(tenant).List()).Select(s => (s.Tenant, s.Name, s.Version)));
            }
            catch (Exception ex) when (Errors.ErrorResponses.IsClusterUnreachable(ex))
            {
                // The registry's node died and Orleans has not moved it yet: show what the nodes run.
            }
        }

        var visibleNodes = nodes.Select(n => StatusScope.View(n, caller)).ToArray();
        foreach (var instance in visibleNodes.SelectMany(n => n.Instances))
        {
            var slash = instance.FunctionKey.IndexOf('/', StringComparison.Ordinal);
            keys.Add((instance.FunctionKey[..slash], instance.FunctionKey[(slash + 1)..], instance.Version));
        }

        var functions = await Task.WhenAll(keys.OrderBy(k => k.Tenant, StringComparer.Ordinal).ThenBy(k => k.Name, StringComparer.Ordinal).ThenBy(k => k.Version)
            .Select(k => StatusOf(grains, time, k.Tenant, k.Name, k.Version)));
        var store = context.RequestServices.GetRequiredService<Stoke.Runtime.Storage.StoreHealth>().Current;
        return Results.Json(new ClusterStatus(cluster.LocalNodeId, visibleNodes, functions, store) { UnreachableNodes = unreachable }, ApiJson.Options);
    }

    // One function's live status; a controller whose node does not answer in time is reported, not a 500.
    private static async Task<FunctionStatus> StatusOf(IGrainFactory grains, TimeProvider time, string tenant, string name, int version)
    {
        try
        {
            return await grains.GetGrain<IFunctionGrain>(FunctionVersionKey.Of(tenant, name, version)).Status().WaitAsync(StatusTimeout, time);
        }
        catch (Exception ex) when (ex is not (StokeException or OutOfMemoryException))
        {
            return new FunctionStatus { Function = tenant + "/" + name, Version = version, Instances = [], Unavailable = "its controller did not answer: " + ex.GetType().Name };
        }
    }

    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(3);

    private static async Task<byte[]> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await file.CopyToAsync(memory, cancellationToken);
        return memory.ToArray();
    }

    private static IFunctionRegistryGrain Registry(HttpContext context) =>
        context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IFunctionRegistryGrain>(context.Tenant());
}

/// <summary><c>GET /api/functions/{name}</c>: the latest spec, every version and each version's live status.</summary>
public sealed record FunctionDescription(FunctionSpec Latest, FunctionSpec[] Versions, FunctionStatus[] Status);

/// <summary><c>GET /api/usage</c>: per function version, and the tenant's total.</summary>
public sealed record UsageReport(string Tenant, List<UsageSummary> Functions, UsageSummary Total);

/// <summary><c>GET /api/status</c>: the nodes and functions the caller may see (<see cref="StatusScope"/>), and the state store as the serving node sees it.</summary>
public sealed record ClusterStatus(string ServedBy, NodeSnapshot[] Nodes, FunctionStatus[] Functions, StoreStatus? Store = null)
{
    /// <summary>Active members that did not answer within the probe timeout (left out of <see cref="Nodes"/>).</summary>
    public string[] UnreachableNodes { get; init; } = [];
}
