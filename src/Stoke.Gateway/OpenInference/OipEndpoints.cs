using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Metrics;
using Stoke.Gateway.Routing;
using Stoke.OpenInference;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Invocation;
using Stoke.Runtime.Storage;
using Stoke.Abstractions.Errors;

namespace Stoke.Gateway.OpenInference;

/// <summary>The Open Inference Protocol v2 REST endpoints: health, metadata, readiness and infer.</summary>
public static class OipEndpoints
{
    /// <summary>Header naming a request's deadline in milliseconds from arrival; the function's default applies otherwise.</summary>
    public const string TimeoutHeader = "Stoke-Timeout-Ms";

    /// <summary>Header carrying a sticky routing key (a session, a user) for functions with the affinity routing policy.</summary>
    public const string AffinityHeader = "Stoke-Affinity-Key";

    /// <summary>The server's name in its metadata (REST and gRPC).</summary>
    public const string ServerName = "stoke";

    /// <summary>The server's version in its metadata (REST and gRPC).</summary>
    public static string ServerVersion => typeof(OipEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    /// <summary>The protocol's platform name of a function's engine (<c>onnx_onnxv1</c> for ONNX Runtime).</summary>
    public static string Platform(FunctionSpec spec) => spec.Engine == "onnx" ? "onnx_onnxv1" : spec.Engine;

    public static void MapOpenInference(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/health/live", () => Results.Json(new { live = true }));
        // Ready while the node can serve, also with its store down: the store's condition rides along for operators.
        app.MapGet("/v2/health/ready", (StoreHealth store) => Results.Json(new { ready = true, store = store.Current }, Management.ApiJson.Options));
        app.MapGet("/v2", ServerMetadata);
        app.MapGet("/v2/models/{name}", (HttpContext c, string name) => ModelMetadata(c, name, null));
        app.MapGet("/v2/models/{name}/versions/{version}", (HttpContext c, string name, string version) => ModelMetadata(c, name, version));
        app.MapGet("/v2/models/{name}/ready", (HttpContext c, string name) => ModelReady(c, name, null));
        app.MapGet("/v2/models/{name}/versions/{version}/ready", (HttpContext c, string name, string version) => ModelReady(c, name, version));
        app.MapPost("/v2/models/{name}/infer", (HttpContext c, string name) => Infer(c, name, null));
        app.MapPost("/v2/models/{name}/versions/{version}/infer", (HttpContext c, string name, string version) => Infer(c, name, version));
    }

    private static Task ServerMetadata(HttpContext context)
    {
        var buffer = new ArrayBufferWriter<byte>();
        OipMetadataWriter.WriteServerMetadata(buffer, ServerName, ServerVersion, [OipProtocol.BinaryTensorDataExtension]);
        return WriteJson(context, buffer);
    }

    private static async Task ModelMetadata(HttpContext context, string name, string? version)
    {
        var directory = context.RequestServices.GetRequiredService<FunctionDirectory>();
        var spec = await directory.ResolveAsync(context.Tenant(), name, ParseVersion(version));
        var versions = await context.RequestServices.GetRequiredService<IGrainFactory>()
            .GetGrain<IFunctionRegistryGrain>(context.Tenant()).Versions(name);
        var buffer = new ArrayBufferWriter<byte>();
        OipMetadataWriter.WriteModelMetadata(
            buffer, name, versions.Select(v => v.Version.ToString(CultureInfo.InvariantCulture)), Platform(spec), spec.Signature);
        await WriteJson(context, buffer);
    }

    // A serverless function is ready whenever it is deployed: a request to a scaled-to-zero function starts an instance.
    private static async Task ModelReady(HttpContext context, string name, string? version)
    {
        await context.RequestServices.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), name, ParseVersion(version));
        var buffer = new ArrayBufferWriter<byte>();
        OipMetadataWriter.WriteModelReady(buffer, name, true);
        await WriteJson(context, buffer);
    }

    private static async Task Infer(HttpContext context, string name, string? version)
    {
        var services = context.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        var options = services.GetRequiredService<GatewayOptions>();
        var metrics = services.GetRequiredService<GatewayMetrics>();
        var started = time.GetTimestamp();
        var status = StatusCodes.Status200OK;
        UsageRecord? usage = null;
        string? function = null;
        try
        {
            await services.GetRequiredService<Quotas.RequestQuota>().AdmitAsync(context);
            var body = await RequestBody.ReadAsync(context, options.MaxRequestBodyBytes);
            var headerLength = HeaderLength(context);
            var parsed = OipRequestReader.Read(body, headerLength);
            var spec = await services.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), name, ParseVersion(version));
            function = spec.Name;
            Tracing.GatewayTracing.Function(spec);
            OipValidator.Validate(parsed.Request, spec.Signature);
            var outcome = await services.GetRequiredService<OipInference>().InvokeAsync(context, spec, parsed.Request, Options(context, spec), context.RequestAborted);
            usage = outcome.Usage;
            WriteUsageHeaders(context, outcome.Usage);
            context.Response.Headers["Stoke-Instance"] = outcome.InstanceId;
            context.Response.Headers["Stoke-Attempts"] = outcome.Attempts.ToString(CultureInfo.InvariantCulture);
            var receipts = services.GetRequiredService<Receipts.GatewayReceipts>();
            await WriteOutputsAsync(context, outcome.Outputs, name, spec.Version, parsed, response => receipts.Attach(context, spec, body, response, [outcome.Usage]));
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await Errors.ErrorResponses.WriteAsync(context, ex);
            status = context.Response.StatusCode;
        }
        finally
        {
            metrics.Completed(context.Tenant(), function, status, time.GetElapsedTime(started), usage);
        }
    }

    /// <summary>Writes an infer response (JSON, or with binary tensor data where <paramref name="parsed"/> asked for it).</summary>
    /// <param name="beforeSend">Sees the exact response bytes before they are sent (the receipt is signed over them).</param>
    public static async Task WriteOutputsAsync(HttpContext context, Tensor[] outputs, string name, int version, OipInferRequest? parsed, Action<ReadOnlyMemory<byte>>? beforeSend = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var jsonLength = OipResponseWriter.Write(
            buffer, new InferenceResult(outputs), name, version.ToString(CultureInfo.InvariantCulture), parsed?.Request.Id, parsed);
        if (jsonLength is { } length)
        {
            context.Response.ContentType = OipProtocol.BinaryContentType;
            context.Response.Headers[OipProtocol.HeaderContentLengthHeader] = length.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            context.Response.ContentType = OipProtocol.JsonContentType;
        }

        beforeSend?.Invoke(buffer.WrittenMemory);
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>The request's deadline (the timeout header, or the function's default) and its affinity key.</summary>
    public static InvocationOptions Options(HttpContext context, FunctionSpec spec)
    {
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var timeout = spec.Scaling.DefaultDeadline;
        if (context.Request.Headers.TryGetValue(TimeoutHeader, out var raw))
        {
            if (!double.TryParse(raw.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) || ms <= 0)
            {
                throw new StokeException(StokeErrorKind.BadRequest, $"Header {TimeoutHeader} must be a positive number of milliseconds.");
            }

            timeout = TimeSpan.FromMilliseconds(Math.Min(ms, MaxTimeout.TotalMilliseconds));
        }

        var affinity = context.Request.Headers.TryGetValue(AffinityHeader, out var key) && key.ToString() is { Length: > 0 } k ? k : null;
        return new InvocationOptions(time.GetUtcNow() + timeout, affinity);
    }

    /// <summary>The longest deadline a request may ask for (the timeout header is capped to it).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    public static void WriteUsageHeaders(HttpContext context, UsageRecord usage)
    {
        var h = context.Response.Headers;
        h["Stoke-Version"] = usage.Version.ToString(CultureInfo.InvariantCulture);
        h["Stoke-Node"] = usage.Node;
        h["Stoke-Queue-Ms"] = usage.QueueMs.ToString("F3", CultureInfo.InvariantCulture);
        h["Stoke-Compute-Ms"] = usage.ComputeMs.ToString("F3", CultureInfo.InvariantCulture);
        h["Stoke-Batch-Size"] = usage.BatchSize.ToString(CultureInfo.InvariantCulture);
        h["Stoke-Energy-J"] = usage.EnergyJoules.ToString("G4", CultureInfo.InvariantCulture);
        if (usage.ColdStartTier is not null)
        {
            h["Stoke-Cold-Start-Ms"] = usage.ColdStartMs.ToString("F1", CultureInfo.InvariantCulture);
            h["Stoke-Cold-Start-Tier"] = usage.ColdStartTier;
        }
    }

    public static int? ParseVersion(string? version)
    {
        if (version is null)
        {
            return null;
        }

        return int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new StokeException(StokeErrorKind.BadRequest, $"Version '{version}' is not a positive integer.");
    }

    internal static int? HeaderLength(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(OipProtocol.HeaderContentLengthHeader, out var raw))
        {
            return null;
        }

        return int.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new OipException(400, $"Header {OipProtocol.HeaderContentLengthHeader} must be a non-negative integer.");
    }

    private static Task WriteJson(HttpContext context, ArrayBufferWriter<byte> buffer)
    {
        context.Response.ContentType = OipProtocol.JsonContentType;
        return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
