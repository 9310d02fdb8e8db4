using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Stoke.Runtime.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.OpenAI.Protocol;

/// <summary>A refusal in OpenAI's terms: HTTP status, error type, offending parameter and code.</summary>
public sealed class OpenAIError(int status, string message, string type, string? param = null, string? code = null, TimeSpan? retryAfter = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static OpenAIError BadRequest(string message, string? param = null) => new(400, message, "invalid_request_error", param);

    /// <summary>Maps any exception of the request path to OpenAI's error object and status.</summary>
    public static OpenAIError From(Exception exception) => exception switch
    {
        OpenAIError e => e,
        StokeException { Kind: StokeErrorKind.BadRequest } s => new(400, s.Message, "invalid_request_error"),
        StokeException { Kind: StokeErrorKind.NotFound } s => new(404, s.Message, "invalid_request_error", "model", "model_not_found"),
        StokeException { Kind: StokeErrorKind.TooManyRequests } s => new(429, s.Message, "rate_limit_error", null, "rate_limit_exceeded", s.RetryAfter ?? TimeSpan.FromSeconds(1)),
        StokeException { Kind: StokeErrorKind.Overloaded } s => new(503, s.Message, "server_error", null, "overloaded", s.RetryAfter ?? TimeSpan.FromSeconds(1)),
        StokeException { Kind: StokeErrorKind.DeadlineExceeded } s => new(504, s.Message, "server_error", null, "timeout"),
        StokeException { Kind: StokeErrorKind.Conflict } s => new(409, s.Message, "invalid_request_error"),
        JsonException j => new(400, "The request body is not valid JSON: " + j.Message, "invalid_request_error"),
        BadHttpRequestException b => new(b.StatusCode, b.Message, "invalid_request_error"),
        _ => new(500, "Internal error: " + exception.GetType().Name, "server_error"),
    };

    public Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = Status;
        context.Response.ContentType = "application/json";
        if (RetryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { message = Message, type = Type, param = Param, code = Code } }));
    }
}
