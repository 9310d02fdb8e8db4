using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.OpenInference;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.Errors;

/// <summary>Writes the protocol's error object (<c>{"error": "..."}</c>) with the status each refusal deserves.</summary>
public static partial class ErrorResponses
{
    /// <summary>The category of the log of requests answered 500.</summary>
    public const string LogCategory = "Stoke.Gateway.Errors";

    /// <summary>The status recorded (access log, metrics) for a request whose client disconnected before its answer (nginx's 499).</summary>
    public const int ClientClosedRequest = 499;

    public static int StatusOf(StokeErrorKind kind) => kind switch
    {
        StokeErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        StokeErrorKind.NotFound => StatusCodes.Status404NotFound,
        StokeErrorKind.Conflict => StatusCodes.Status409Conflict,
        StokeErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        StokeErrorKind.Overloaded => StatusCodes.Status503ServiceUnavailable,
        StokeErrorKind.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StokeErrorKind.Gone => StatusCodes.Status410Gone,
        StokeErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        StokeErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
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

    /// <summary>
    /// Maps any exception from the request path to a response; unknown ones are 500 without internals, and a 500 is
    /// logged with its exception (the client sees only its type, the operator needs the stack).
    /// </summary>
    public static Task WriteAsync(HttpContext context, Exception exception)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads an answer, and it is not the platform's failure (nor metered as one).
            context.Response.StatusCode = ClientClosedRequest;
            return Task.CompletedTask;
        }

        var written = Write(context, exception);
        if (context.Response.StatusCode == StatusCodes.Status500InternalServerError)
        {
            LogInternal(context, exception);
        }

        return written;
    }

    /// <summary>Logs a request answered 500 (also for the OpenAI API, which writes its own error object).</summary>
    public static void LogInternal(HttpContext context, Exception exception)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        Log.RequestFailed(logger, context.Request.Method, context.Request.Path.Value ?? "", exception);
        System.Diagnostics.Activity.Current?.AddException(exception);
    }

    /// <summary>
    /// A refusal raised by a grain's storage (a quarantined state file, a full disk) reaches the caller wrapped in an
    /// <see cref="Orleans.Runtime.OrleansException"/>: answer it as the refusal it is.
    /// </summary>
    public static Exception Unwrap(Exception exception)
    {
        for (var e = exception; e is Orleans.Runtime.OrleansException && e.InnerException is { } inner; e = inner)
        {
            if (inner is StokeException)
            {
                return inner;
            }
        }

        return exception;
    }

    private static Task Write(HttpContext context, Exception exception) => Unwrap(exception) switch
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Error, Message = "{Method} {Path} answered 500")]
        public static partial void RequestFailed(ILogger logger, string method, string path, Exception exception);
    }
}
