using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Functions;
using Stoke.Gateway.Auth;
using Stoke.Gateway.OpenAI.Hosting;
using Stoke.Gateway.OpenAI.Protocol;
using Stoke.Gateway.OpenAI.Quotas;
using Stoke.Gateway.OpenInference;
using Stoke.Gateway.Routing;
using Stoke.Runtime.Invocation;

namespace Stoke.Gateway.OpenAI.Completions;

/// <summary>
/// What every generating endpoint (chat, completions, responses) does once its request is parsed: resolve a text
/// model, admit the key's quota, log the end user, and open the runs with the routing options.
/// </summary>
internal static class GenerationStart
{
    public static async Task<(FunctionSpec Spec, ChoiceRuns Runs, InvocationOptions Options)> PrepareAsync(HttpContext context, SamplingParameters parameters, string id)
    {
        var services = context.RequestServices;
        var spec = await services.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), parameters.Model, null);
        Stoke.Gateway.Tracing.GatewayTracing.Function(spec);
        if (!string.Equals(spec.Engine, "llama", StringComparison.OrdinalIgnoreCase))
        {
            throw OpenAIError.BadRequest($"Model '{spec.Name}' runs on the {spec.Engine} engine and does not generate text; use /v1/embeddings or the inference API.", "model");
        }

        var quota = await services.GetRequiredService<QuotaGate>().AdmitAsync(context);
        if (parameters.EndUser is { } endUser)
        {
            OpenAILog.EndUser(services.GetRequiredService<ILoggerFactory>().CreateLogger(OpenAILog.Category), id, spec.Name, endUser);
        }

        // prompt_cache_key is what OpenAI routes by to reuse a prompt cache: Stoke's sticky key does the same.
        var deadline = services.GetRequiredService<TimeProvider>().GetUtcNow() + spec.Scaling.DefaultDeadline;
        var options = new InvocationOptions(deadline, parameters.CacheKey ?? context.Request.Headers[OipEndpoints.AffinityHeader].FirstOrDefault());
        return (spec, new ChoiceRuns(quota, services.GetRequiredService<OpenAIMetrics>(), spec), options);
    }
}
