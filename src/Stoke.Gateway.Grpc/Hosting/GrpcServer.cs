using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Grpc.Services;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Metrics;
using Stoke.Gateway.OpenInference;
using Stoke.Gateway.Routing;

namespace Stoke.Gateway.Grpc.Hosting;

/// <summary>
/// A second Kestrel app, HTTP/2 only, that serves <see cref="InferenceService"/>. Its own app rather than a second
/// endpoint of the REST one: the REST pipeline's middleware answers refusals as JSON, which no gRPC client reads,
/// and Kestrel drops URL-bound endpoints once one is added in code.
/// </summary>
public sealed partial class GrpcServer(IServiceProvider gateway, GrpcOptions options, ILogger<GrpcServer> logger) : HostedWebApp
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var gatewayOptions = gateway.GetRequiredService<GatewayOptions>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(gateway.GetRequiredService<ILoggerFactory>());
        var openFiles = ConnectionLimits.OpenFileLimit();
        var maxConnections = ConnectionLimits.Effective(options.MaxConnections, openFiles);
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            // The REST gateway's limits on idle and stuck clients (docs/api.md, "Connections"), with this listener's own cap.
            k.Limits.MaxConcurrentConnections = maxConnections;
            k.Limits.KeepAliveTimeout = gatewayOptions.KeepAliveTimeout;
            k.Limits.RequestHeadersTimeout = gatewayOptions.RequestHeadersTimeout;
            // The gRPC message limit below is the one that applies; Kestrel's own 30 MB body limit would cut in first.
            k.Limits.MaxRequestBodySize = null;
            k.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http2);
        });
        builder.WebHost.UseUrls(options.Url);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, gatewayOptions.MaxRequestBodyBytes);
            o.MaxSendMessageSize = null;
            o.Interceptors.Add<GrpcGuard>();
        });
        Bridge(builder.Services);
        var app = builder.Build();
        app.MapGrpcService<InferenceService>();
        Log.Listening(logger, await RunAsync(app, cancellationToken));
        if (maxConnections < options.MaxConnections)
        {
            Log.ConnectionsCapped(logger, maxConnections, options.MaxConnections, openFiles ?? 0);
        }
    }

    // The same instances as the REST gateway's, so a deploy through REST drops the directory entry gRPC reads too.
    private void Bridge(IServiceCollection services)
    {
        services.AddSingleton(gateway.GetRequiredService<IGrainFactory>());
        services.AddSingleton(gateway.GetRequiredService<OipInference>());
        services.AddSingleton(gateway.GetRequiredService<TimeProvider>());
        services.AddSingleton(gateway.GetRequiredService<GatewayMetrics>());
        services.AddSingleton(gateway.GetRequiredService<GatewayOptions>());
        services.AddSingleton(gateway.GetRequiredService<TenantResolver>());
        services.AddSingleton(gateway.GetRequiredService<Stoke.Gateway.Quotas.RequestQuota>());
        services.AddSingleton(gateway.GetRequiredService<FunctionDirectory>());
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Stoke gRPC (Open Inference Protocol) listening on {Address}")]
        public static partial void Listening(ILogger logger, Uri address);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "The gRPC listener holds at most {Effective} connections, not the {Configured} of Stoke:Gateway:Grpc:MaxConnections: the process may open {OpenFiles} files (raise its open-file limit, ulimit -n)")]
        public static partial void ConnectionsCapped(ILogger logger, long effective, long configured, long openFiles);
    }
}
