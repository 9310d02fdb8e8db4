using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.OpenAI.Completions;
using Stoke.Gateway.OpenAI.Embeddings;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Quotas;
using Stoke.Runtime.Grains;

namespace Stoke.Gateway.OpenAI.Hosting;

/// <summary>
/// The OpenAI-compatible API on every node's gateway: <c>/v1/models</c>, <c>/v1/chat/completions</c>,
/// <c>/v1/completions</c>, <c>/v1/embeddings</c>, with OpenAI's error objects and per-key quotas. Documented in docs/openai.md.
/// </summary>
public sealed class OpenAIGatewayExtension : IGatewayExtension
{
    public void ConfigureServices(IServiceCollection services, IServiceProvider silo)
    {
        services.AddSingleton(new OpenAIMetrics(silo.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<QuotaGate>();
    }

    public void MapEndpoints(WebApplication app)
    {
        app.MapGet("/v1/models", Guarded(ListModelsAsync));
        app.MapGet("/v1/models/{model}", Guarded(GetModelAsync));
        app.MapPost("/v1/chat/completions", Guarded(CompletionEndpoints.ChatAsync));
        app.MapPost("/v1/completions", Guarded(CompletionEndpoints.CompletionAsync));
        app.MapPost("/v1/embeddings", Guarded(EmbeddingEndpoints.EmbedAsync));
        app.MapPost("/v1/responses", Guarded(Responses.ResponseEndpoints.CreateAsync));
    }

    // Every /v1 refusal is an OpenAI error object, so the official SDKs surface its message and status.
    private static RequestDelegate Guarded(Func<HttpContext, Task> handler) => async context =>
    {
        try
        {
            await handler(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            var error = OpenAIError.From(e);
            if (error.Status == StatusCodes.Status500InternalServerError)
            {
                Errors.ErrorResponses.LogInternal(context, e);
            }

            await error.WriteAsync(context);
        }
    };

    private static async Task ListModelsAsync(HttpContext context)
    {
        var specs = await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IFunctionRegistryGrain>(context.Tenant()).List();
        var data = specs.Select(s => Model(s.Name, s.CreatedAt, s.Tenant, s.Engine)).ToArray();
        await context.Response.WriteAsJsonAsync(new { @object = "list", data }, context.RequestAborted);
    }

    private static async Task GetModelAsync(HttpContext context)
    {
        var model = (string)context.Request.RouteValues["model"]!;
        var spec = await context.RequestServices.GetRequiredService<Routing.FunctionDirectory>().ResolveAsync(context.Tenant(), model, null);
        await context.Response.WriteAsJsonAsync(Model(spec.Name, spec.CreatedAt, spec.Tenant, spec.Engine), context.RequestAborted);
    }

    private static object Model(string name, DateTimeOffset created, string tenant, string engine) =>
        new { id = name, @object = "model", created = created.ToUnixTimeSeconds(), owned_by = tenant, engine };
}

/// <summary>Adds the OpenAI-compatible API to a Stoke node (<c>StokeHostSettings.ConfigureServices</c>).</summary>
public static class OpenAIServiceCollectionExtensions
{
    public static IServiceCollection AddStokeOpenAI(this IServiceCollection services)
    {
        services.AddSingleton<IGatewayExtension, OpenAIGatewayExtension>();
        return services;
    }
}
