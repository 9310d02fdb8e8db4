using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Routing;
using Stoke.Partitioning;
using Stoke.Partitioning.Graph;
using Stoke.Partitioning.Planning;
using Stoke.Runtime.Deployment;

namespace Stoke.Gateway.Management;

/// <summary>
/// <c>POST /api/partitions/{name}</c>: cuts the ONNX model in the body into slices (docs/pipelines.md, "Partitioning a
/// model") and deploys each as function <c>{name}-partK</c>. A model that cannot be cut as asked is a 400 and nothing
/// is deployed. Documented in docs/api.md.
/// </summary>
public static class PartitionEndpoints
{
    /// <summary>The query keys that steer the partition; every other key is a deploy setting applied to each slice.</summary>
    public static readonly string[] Known = ["parts", "maxPartMb", "memorySlack", "dimSize"];

    public static void MapPartitions(this IEndpointRouteBuilder app) => app.MapPost("/api/partitions/{name}", Partition);

    private static async Task<IResult> Partition(HttpContext context, string name)
    {
        var gateway = context.RequestServices.GetRequiredService<GatewayOptions>();
        var tenant = context.Tenant();
        var query = context.Request.Query;
        var options = new PartitionOptions
        {
            Parts = Number(query, "parts", int.Parse),
            MaxPartMb = Number(query, "maxPartMb", double.Parse),
            MemorySlack = Number(query, "memorySlack", double.Parse) ?? 0.25,
            Sizes = new NominalSizes { Default = Number(query, "dimSize", long.Parse) ?? 32 },
        };
        var deploySettings = new QueryCollection(query.Where(kv => !Known.Contains(kv.Key, StringComparer.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value));
        var body = await RequestBody.ReadAsync(context, gateway.MaxModelBytes);

        PartitionResult result;
        try
        {
            result = ModelPartitioner.Partition(body, name, options);
        }
        catch (ArgumentException ex)
        {
            throw new StokeException(StokeErrorKind.BadRequest, ex.Message);
        }

        // Every slice's request is checked before the first is deployed, so a bad name or setting deploys nothing.
        var requests = result.Slices.Select((slice, i) =>
        {
            var function = $"{name}-part{i + 1}";
            FunctionDeployer.ValidateName(function);
            return DeploySettings.Parse(tenant, function, slice, deploySettings) with { FileName = result.Plan.Slices[i].File };
        }).ToList();

        // The rules of a deploy hold for the slices as one: a tenant's price is refused, its caps count every slice.
        await context.RequestServices.GetRequiredService<DeployRules>().CheckAsync(context.Caller(), deploySettings, requests);
        var deployer = context.RequestServices.GetRequiredService<FunctionDeployer>();
        var directory = context.RequestServices.GetRequiredService<FunctionDirectory>();
        var specs = new List<FunctionSpec>();
        foreach (var request in requests)
        {
            var spec = await deployer.DeployAsync(request, context.RequestAborted);
            directory.Invalidate(spec.Tenant, spec.Name);
            specs.Add(spec);
        }

        return Results.Json(new PartitionDeployment(result.Plan, [.. specs]), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static T? Number<T>(IQueryCollection query, string key, Func<string, IFormatProvider, T> parse)
        where T : struct
    {
        if (!query.TryGetValue(key, out StringValues values) || values.Count == 0)
        {
            return null;
        }

        try
        {
            return parse(values[^1]!, CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"Partition setting '{key}' must be a number (got '{values[^1]}').");
        }
        catch (OverflowException)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"Partition setting '{key}' is out of range (got '{values[^1]}').");
        }
    }
}

/// <summary><c>POST /api/partitions/{name}</c>'s answer: the plan and the function each slice was deployed as, in order.</summary>
public sealed record PartitionDeployment(PartitionPlan Plan, FunctionSpec[] Functions);
