using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stoke.Gateway.Hosting;

namespace Stoke.Gateway.Grpc.Hosting;

/// <summary>
/// The Open Inference Protocol v2 gRPC service (<c>inference.GRPCInferenceService</c>) on every node, on its own
/// HTTP/2 port (<see cref="GrpcOptions.Url"/>) beside the REST gateway, sharing its auth, directory, invoker and
/// metrics. Documented in docs/protocol.md.
/// </summary>
public sealed class GrpcGatewayExtension(IOptions<GrpcOptions> options) : IGatewayExtension
{
    private GrpcServer? _server;

    /// <summary>The address the gRPC listener bound (with the real port when the configured one was 0); null before start.</summary>
    public Uri? Address => _server?.Address;

    public long MaxConnections => options.Value.MaxConnections;

    public void ConfigureServices(IServiceCollection services, IServiceProvider silo)
    {
        // A hosted service of the gateway's own web app: it starts and stops with the gateway, and sees the same
        // singletons (the directory's cache, the tenant resolver) as the REST endpoints.
        services.AddSingleton(options.Value);
        services.AddSingleton<GrpcServer>();
        services.AddHostedService(sp => sp.GetRequiredService<GrpcServer>());
    }

    public void MapEndpoints(WebApplication app) => _server = app.Services.GetRequiredService<GrpcServer>();
}

/// <summary>Adds the OIP gRPC service to a Stoke node (<c>StokeHostSettings.ConfigureServices</c>).</summary>
public static class GrpcServiceCollectionExtensions
{
    public static IServiceCollection AddStokeGrpc(this IServiceCollection services, Action<GrpcOptions>? configure = null)
    {
        services.AddOptions<GrpcOptions>().BindConfiguration(GrpcOptions.Section)
            .Configure(o => configure?.Invoke(o))
            .Validate(o => Uri.TryCreate(o.Url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttp,
                "Stoke:Gateway:Grpc:Url must be an http:// URL (the gRPC listener speaks cleartext HTTP/2).")
            .Validate(o => o.MaxConnections > 0, "Stoke:Gateway:Grpc:MaxConnections must be positive.")
            .ValidateOnStart();
        services.AddSingleton<GrpcGatewayExtension>();
        services.AddSingleton<IGatewayExtension>(sp => sp.GetRequiredService<GrpcGatewayExtension>());
        return services;
    }
}
