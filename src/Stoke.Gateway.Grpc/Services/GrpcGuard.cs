using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Grpc.Errors;

namespace Stoke.Gateway.Grpc.Services;

/// <summary>
/// The gRPC side of the REST gateway's middleware: resolves the caller's tenant from the <c>authorization</c>
/// metadata (health calls are open, as <c>/v2/health</c> is), and ends every refused call with its gRPC status.
/// </summary>
internal sealed class GrpcGuard(TenantResolver tenants) : Interceptor
{
    private const string TenantKey = "stoke.tenant";

    private static readonly HashSet<string> OpenMethods =
    [
        "/inference.GRPCInferenceService/ServerLive",
        "/inference.GRPCInferenceService/ServerReady",
    ];

    /// <summary>The tenant this guard resolved for the call.</summary>
    public static string Tenant(ServerCallContext context) => (string)context.UserState[TenantKey];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!OpenMethods.Contains(context.Method))
        {
            var http = context.GetHttpContext();
            var caller = tenants.Resolve(http, out var reason)
                ?? throw new RpcException(new Status(StatusCode.Unauthenticated, reason!), new Metadata { { "www-authenticate", "Bearer" } }, reason!);
            // On the HTTP context too, where the REST side's quota reads it.
            http.SetCaller(caller);
            context.UserState[TenantKey] = caller.Tenant;
        }

        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw GrpcErrors.ToRpc(ex, context);
        }
    }
}
