using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Stoke.Abstractions.Functions;

namespace Stoke.Gateway.Tracing;

/// <summary>
/// The gateway's server span (ActivitySource <c>Stoke.Gateway</c>), one per request, named <c>{method} {route}</c> as
/// OpenTelemetry's HTTP conventions say. Its parent is ASP.NET Core's own request activity when someone listens to
/// that one (it has read <c>traceparent</c> already), else the client's <c>traceparent</c> header itself.
/// </summary>
public static class GatewayTracing
{
    public const string SourceName = "Stoke.Gateway";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The request's span, or null when no one listens (a flag check) or the path is a scrape or a probe.</summary>
    public static Activity? StartRequest(HttpContext context)
    {
        if (!Source.HasListeners() || context.Request.Path.StartsWithSegments("/metrics") || context.Request.Path.StartsWithSegments("/v2/health"))
        {
            return null;
        }

        ActivityContext parent = default;
        if (Activity.Current is null)
        {
            DistributedContextPropagator.Current.ExtractTraceIdAndState(context.Request.Headers, ReadHeader, out var traceParent, out var traceState);
            ActivityContext.TryParse(traceParent, traceState, isRemote: true, out parent);
        }

        var method = context.Request.Method;
        var activity = Source.StartActivity(method, ActivityKind.Server, parent);
        activity?.SetTag("http.request.method", method).SetTag("url.path", context.Request.Path.Value).SetTag("url.scheme", context.Request.Scheme);
        return activity;
    }

    /// <summary>Names the span by its route and records the status: a 5xx marks it failed.</summary>
    public static void Complete(Activity activity, HttpContext context)
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
        {
            activity.DisplayName = context.Request.Method + " " + route;
            activity.SetTag("http.route", route);
        }

        var status = context.Response.StatusCode;
        activity.SetTag("http.response.status_code", status);
        if (status >= StatusCodes.Status500InternalServerError)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Tags the current request's span with the function it resolved to.</summary>
    public static void Function(FunctionSpec spec)
    {
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, Source))
        {
            activity.SetTag("stoke.tenant", spec.Tenant).SetTag("stoke.function", spec.Name).SetTag("stoke.function.version", spec.Version);
        }
    }

    private static void ReadHeader(object? carrier, string name, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        value = carrier is IHeaderDictionary headers && headers.TryGetValue(name, out var v) ? v.ToString() : null;
    }
}
