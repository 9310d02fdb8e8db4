using Stoke.Gateway.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Dashboard;
using Stoke.Gateway.Management;
using Stoke.Gateway.Metrics;
using Stoke.Gateway.Receipts;
using Stoke.Gateway.OpenInference;
using Stoke.Gateway.Routing;
using Stoke.Gateway.Streams;
using Stoke.Runtime.Deployment;
using Stoke.Runtime.Cluster;
using Stoke.Runtime.Invocation;

namespace Stoke.Gateway.Hosting;

/// <summary>
/// The node's HTTP front door: a Kestrel app started beside the silo and wired to the silo's services (grain factory,
/// node host, meters). Being a hosted service of the silo's host, it runs the same way in <c>stoke serve</c> and in
/// each silo of an in-process test cluster.
/// </summary>
public sealed partial class GatewayServer(IServiceProvider silo, GatewayOptions options, ILogger<GatewayServer> logger) : HostedWebApp
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(silo.GetRequiredService<ILoggerFactory>());
        var openFiles = ConnectionLimits.OpenFileLimit();
        // Other listeners of this node (gRPC) take their share of the open-file budget first.
        var heldElsewhere = silo.GetServices<IGatewayExtension>().Sum(e => ConnectionLimits.Effective(e.MaxConnections, openFiles));
        var maxConnections = ConnectionLimits.Effective(options.MaxConnections, openFiles, heldElsewhere);
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxModelBytes;
            k.Limits.MaxConcurrentConnections = maxConnections;
            k.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
            k.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            k.AddServerHeader = false;
        });
        // A query or route value that does not bind (?limit=abc, a missing ?function=) is an exception the gateway's
        // error handler answers as JSON, as every other refusal, instead of an empty 400.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.WebHost.UseUrls(options.Url);
        Bridge(builder.Services);
        var app = builder.Build();
        app.MapStoke();
        Log.Listening(logger, await RunAsync(app, cancellationToken));
        if (maxConnections < options.MaxConnections)
        {
            Log.ConnectionsCapped(logger, maxConnections, options.MaxConnections, openFiles ?? 0);
        }

        if (options.ApiKeys.Count == 0 && options.AllowAnonymous)
        {
            Log.Anonymous(logger, options.DefaultTenant);
        }
        else if (options.ApiKeys.Count == 0)
        {
            Log.Keyless(logger, options.DefaultTenant);
        }
    }

    // The web app has its own container; the runtime's singletons come from the silo so both sides share them.
    private void Bridge(IServiceCollection services)
    {
        services.AddSingleton(silo.GetRequiredService<IGrainFactory>());
        services.AddSingleton(silo.GetRequiredService<IFunctionInvoker>());
        services.AddSingleton(silo.GetRequiredService<ClusterView>());
        services.AddSingleton(silo.GetRequiredService<FunctionDeployer>());
        services.AddSingleton(silo.GetRequiredService<TimeProvider>());
        // ASP.NET Core's own instruments (http.server.request.duration) then belong to this node's meters and /metrics.
        services.AddSingleton(silo.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        services.AddSingleton(silo.GetRequiredService<Stoke.Runtime.Storage.StoreHealth>());
        services.AddSingleton(silo.GetRequiredService<Orleans.Runtime.IClusterMembershipService>());
        services.AddSingleton(silo.GetRequiredService<GatewayMetrics>());
        services.AddSingleton(silo.GetRequiredService<PrometheusExporter>());
        services.AddSingleton(silo.GetRequiredService<Receipts.GatewayReceipts>());
        services.AddSingleton(options);
        services.AddSingleton(new TenantResolver(options));
        services.AddSingleton<Quotas.RequestQuota>();
        services.AddSingleton<Management.DeployRules>();
        services.AddSingleton<FunctionDirectory>();
        Pipelines.PipelineServices.Add(services, silo);
        foreach (var extension in silo.GetServices<IGatewayExtension>())
        {
            services.AddSingleton(extension);
            extension.ConfigureServices(services, silo);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Stoke gateway listening on {Address}")]
        public static partial void Listening(ILogger logger, Uri address);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "No API keys configured: serving direct loopback clients only, as tenant '{Tenant}' with operator rights")]
        public static partial void Keyless(ILogger logger, string tenant);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "The gateway holds at most {Effective} connections, not the {Configured} of Stoke:Gateway:MaxConnections: the process may open {OpenFiles} files (raise its open-file limit, ulimit -n)")]
        public static partial void ConnectionsCapped(ILogger logger, long effective, long configured, long openFiles);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "No API keys configured and anonymous callers allowed: serving every client, remote and forwarded ones too, as tenant '{Tenant}' with operator rights")]
        public static partial void Anonymous(ILogger logger, string tenant);
    }
}

/// <summary>Lets another component (the OpenAI API) add services and endpoints to every node's gateway.</summary>
public interface IGatewayExtension
{
    void ConfigureServices(IServiceCollection services, IServiceProvider silo);

    void MapEndpoints(WebApplication app);

    /// <summary>Connections this extension's own listener may hold (0: it has none), out of the node's open-file budget.</summary>
    long MaxConnections => 0;
}

/// <summary>Maps all of Stoke's HTTP surface with its auth and error handling.</summary>
public static class StokeEndpoints
{
    public static void MapStoke(this WebApplication app)
    {
        app.Use(static async (context, next) =>
        {
            using var span = Tracing.GatewayTracing.StartRequest(context);
            try
            {
                await next(context);
            }
            finally
            {
                if (span is not null)
                {
                    Tracing.GatewayTracing.Complete(span, context);
                }
            }
        });
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            // The dashboard's static files hold no data: the page then calls /api with the caller's key.
            var open = path.StartsWithSegments("/v2/health") || path.StartsWithSegments(DashboardEndpoints.Path);
            if (!open)
            {
                var caller = context.RequestServices.GetRequiredService<TenantResolver>().Resolve(context, out var reason);
                if (caller is null)
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    if (path.StartsWithSegments("/v1"))
                    {
                        // OpenAI clients parse their own error object.
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        await context.Response.WriteAsJsonAsync(new { error = new { message = reason, type = "invalid_request_error", param = (string?)null, code = "invalid_api_key" } });
                        return;
                    }

                    await Errors.ErrorResponses.WriteAsync(context, StatusCodes.Status401Unauthorized, reason!);
                    return;
                }

                context.SetCaller(caller);
            }

            try
            {
                await next(context);
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                await Errors.ErrorResponses.WriteAsync(context, ex);
            }
        });
        // Every tenant's functions and traffic: operators only (keyless, the loopback caller is one).
        app.MapGet("/metrics", (HttpContext context, PrometheusExporter exporter) => context.IsOperator()
            ? Results.Text(exporter.Render(), "text/plain; version=0.0.4")
            : Results.Json(new { error = "/metrics shows every tenant's functions and traffic: it needs an operator key." }, statusCode: StatusCodes.Status403Forbidden));
        app.MapOpenInference();
        app.MapStreams();
        app.MapManagement();
        app.MapReceipts();
        app.MapPartitions();
        app.MapLedger();
        app.MapPipelines();
        app.MapDashboard();
        foreach (var extension in app.Services.GetServices<IGatewayExtension>())
        {
            extension.MapEndpoints(app);
        }
    }
}

/// <summary>Registers the gateway in a silo's host.</summary>
public static class StokeGatewayServiceCollectionExtensions
{
    public static IServiceCollection AddStokeGateway(this IServiceCollection services, Action<GatewayOptions>? configure = null)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section)
            .Configure(o => configure?.Invoke(o))
            .Validate(o => o.MaxRequestBodyBytes > 0, "Stoke:Gateway:MaxRequestBodyBytes must be positive.")
            .Validate(o => o.MaxConnections > 0, "Stoke:Gateway:MaxConnections must be positive.")
            .Validate(o => o.KeepAliveTimeout > TimeSpan.Zero && o.RequestHeadersTimeout > TimeSpan.Zero, "Stoke:Gateway:KeepAliveTimeout and RequestHeadersTimeout must be positive.")
            .Validate(o => o.ApiKeys.TrueForAll(k => k.Key.Length >= 8 && k.Tenant.Length > 0), "Stoke:Gateway:ApiKeys: each key needs 8+ characters and a tenant.")
            .Validate(o => o.ApiKeys.TrueForAll(k => Auth.TenantNames.IsValid(k.Tenant)), "Stoke:Gateway:ApiKeys: " + Auth.TenantNames.Rule + ".")
            .Validate(o => o.ApiKeys.Count > 0 || o.AllowAnonymous || BoundAddress.IsLoopback(o.Url),
                "Stoke:Gateway:Url listens beyond loopback but no API keys are configured: every remote client would be the default tenant with operator rights. "
                + "Configure API keys (--api-key, --operator-key), listen on 127.0.0.1, or allow that explicitly (--allow-anonymous, Stoke:Gateway:AllowAnonymous).")
            .Validate(o => o.TenantLimits.Values.All(l => l.MaxFunctions >= 0 && l.MaxArtifactBytes >= 0 && l.MaxInstances >= 0), "Stoke:Gateway:TenantLimits: limits must be 0 (unlimited) or positive.")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value);
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<PrometheusExporter>();
        Receipts.ReceiptServices.Add(services);
        services.AddSingleton<TenantCaps>();
        services.AddSingleton<Stoke.Runtime.Quotas.ITenantInstanceCaps>(sp => sp.GetRequiredService<TenantCaps>());
        services.AddSingleton<Stoke.Runtime.Quotas.ITenantDeployCaps>(sp => sp.GetRequiredService<TenantCaps>());
        // Pipeline steps fused into a function call run beside the instance that served it (docs/pipelines.md, "Fusion").
        services.AddSingleton<Stoke.Runtime.Instances.IFusedSteps>(sp => new Stoke.Pipelines.Fusion.FusedStepRunner(sp.GetRequiredService<IGrainFactory>()));
        services.AddSingleton<GatewayServer>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayServer>());
        return services;
    }
}

/// <summary>The caps of <see cref="GatewayOptions.TenantLimits"/>, for the node's function controllers and registries.</summary>
internal sealed class TenantCaps(GatewayOptions options) : Stoke.Runtime.Quotas.ITenantInstanceCaps, Stoke.Runtime.Quotas.ITenantDeployCaps
{
    public int MaxInstances(string tenant) => Of(tenant)?.MaxInstances ?? 0;

    public int MaxFunctions(string tenant) => Of(tenant)?.MaxFunctions ?? 0;

    public long MaxArtifactBytes(string tenant) => Of(tenant)?.MaxArtifactBytes ?? 0;

    private TenantLimits? Of(string tenant) => options.TenantLimits.GetValueOrDefault(tenant);
}
