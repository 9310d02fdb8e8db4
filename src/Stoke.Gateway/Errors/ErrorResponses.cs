using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Stoke.OpenInference;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.Errors;

/// <summary>Writes the protocol's error object (<c>{"error": "..."}</c>) with the status each refusal deserves.</summary>
public static class ErrorResponses
{
    public static int StatusOf(StokeErrorKind kind) => kind switch
    {
        StokeErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        StokeErrorKind.NotFound => StatusCodes.Status404NotFound,
        StokeErrorKind.Conflict => StatusCodes.Status409Conflict,
        StokeErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        StokeErrorKind.Overloaded => StatusCodes.Status503ServiceUnavailable,
        StokeErrorKind.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static Task WriteAsync(HttpContext context, int status, string message, TimeSpan? retryAfter = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
    }

    /// <summary>Maps any exception from the request path to a response; unknown ones are 500 without internals.</summary>
    public static Task WriteAsync(HttpContext context, Exception exception) => exception switch
    {
        StokeException s => WriteAsync(context, StatusOf(s.Kind), s.Message, s.RetryAfter ?? DefaultRetry(s.Kind)),
        OipException o => WriteAsync(context, o.StatusCode, o.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } b => WriteAsync(context, 413, "Request body too large: " + b.Message),
        BadHttpRequestException b => WriteAsync(context, b.StatusCode, b.Message),
        _ when IsClusterUnreachable(exception) => WriteAsync(
            context, StatusCodes.Status503ServiceUnavailable, $"A node of the cluster cannot be reached right now ({exception.GetType().Name}); retry shortly.", TimeSpan.FromSeconds(2)),
        _ => WriteAsync(context, 500, "Internal error: " + exception.GetType().Name),
    };

    /// <summary>A call failed because a node of the cluster died or cannot be reached (Orleans has not moved its grains yet).</summary>
    public static bool IsClusterUnreachable(Exception exception) =>
        exception is Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException
        || (exception.InnerException is { } inner && IsClusterUnreachable(inner));

    private static TimeSpan? DefaultRetry(StokeErrorKind kind) =>
        kind is StokeErrorKind.Overloaded or StokeErrorKind.TooManyRequests ? TimeSpan.FromSeconds(1) : null;
}
