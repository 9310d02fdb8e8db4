using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Errors;
using Stoke.Gateway.Errors;
using Stoke.OpenInference;

namespace Stoke.Gateway.Grpc.Errors;

/// <summary>
/// Turns a refusal from the request path into the gRPC status a client expects, with the REST path's message; the
/// HTTP status REST would answer rides along for metering, so both protocols count alike.
/// </summary>
public static class GrpcErrors
{
    /// <summary>Trailer with the seconds to wait before a retry, as REST's <c>Retry-After</c>.</summary>
    public const string RetryAfterTrailer = "retry-after";

    /// <summary>gRPC's own retry pushback trailer (milliseconds), read by clients with retry policies.</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>The status REST answers a client that closed its request (nginx's convention; there is no standard one).</summary>
    public const int ClientClosedRequest = 499;

    public static StatusCode CodeOf(int httpStatus) => httpStatus switch
    {
        StatusCodes.Status400BadRequest => StatusCode.InvalidArgument,
        StatusCodes.Status401Unauthorized => StatusCode.Unauthenticated,
        StatusCodes.Status403Forbidden => StatusCode.PermissionDenied,
        StatusCodes.Status404NotFound => StatusCode.NotFound,
        StatusCodes.Status409Conflict => StatusCode.Aborted,
        StatusCodes.Status413PayloadTooLarge or StatusCodes.Status429TooManyRequests => StatusCode.ResourceExhausted,
        ClientClosedRequest => StatusCode.Cancelled,
        StatusCodes.Status501NotImplemented => StatusCode.Unimplemented,
        StatusCodes.Status503ServiceUnavailable => StatusCode.Unavailable,
        StatusCodes.Status504GatewayTimeout => StatusCode.DeadlineExceeded,
        _ => StatusCode.Internal,
    };

    /// <summary>The HTTP status, message and retry hint REST would answer <paramref name="exception"/> with.</summary>
    public static (int Status, string Message, TimeSpan? RetryAfter) Describe(Exception exception, ServerCallContext context) => ErrorResponses.Unwrap(exception) switch
    {
        StokeException s => (ErrorResponses.StatusOf(s.Kind), s.Message, s.RetryAfter ?? DefaultRetry(s.Kind)),
        OipException o => (o.StatusCode, o.Message, null),
        OperationCanceledException when DeadlinePassed(context) =>
            (StatusCodes.Status504GatewayTimeout, "The request's deadline passed before it was answered.", null),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => (ClientClosedRequest, "The client cancelled the request.", null),
        _ when ErrorResponses.IsClusterUnreachable(exception) => (
            StatusCodes.Status503ServiceUnavailable, $"A node of the cluster cannot be reached right now ({exception.GetType().Name}); retry shortly.", TimeSpan.FromSeconds(2)),
        _ => (StatusCodes.Status500InternalServerError, "Internal error: " + exception.GetType().Name, null),
    };

    /// <summary>The HTTP-equivalent status of a finished call, for metering.</summary>
    public static int StatusOf(Exception exception, ServerCallContext context) =>
        exception is RpcException rpc ? HttpStatusOf(rpc.StatusCode) : Describe(exception, context).Status;

    /// <summary>The exception to end the call with; one already a <see cref="RpcException"/> passes through.</summary>
    public static RpcException ToRpc(Exception exception, ServerCallContext context)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }

        var (status, message, retryAfter) = Describe(exception, context);
        var trailers = new Metadata();
        if (retryAfter is { } wait)
        {
            trailers.Add(RetryAfterTrailer, Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
            trailers.Add(RetryPushbackTrailer, ((long)Math.Ceiling(wait.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture));
        }

        return new RpcException(new Status(CodeOf(status), message), trailers, message);
    }

    private static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Cancelled => ClientClosedRequest,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static bool DeadlinePassed(ServerCallContext context) =>
        context.Deadline != DateTime.MaxValue
        && context.Deadline <= context.GetHttpContext().RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

    // As REST: an overload or a quota without its own hint asks for a retry in a second.
    private static TimeSpan? DefaultRetry(StokeErrorKind kind) =>
        kind is StokeErrorKind.Overloaded or StokeErrorKind.TooManyRequests ? TimeSpan.FromSeconds(1) : null;
}
