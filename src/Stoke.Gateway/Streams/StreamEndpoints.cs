using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Gateway.Auth;
using Stoke.Gateway.Hosting;
using Stoke.Gateway.Metrics;
using Stoke.Gateway.OpenInference;
using Stoke.Gateway.Routing;
using Stoke.OpenInference;
using Stoke.Runtime.Invocation;

namespace Stoke.Gateway.Streams;

/// <summary>
/// Streams of stateful functions, beside the OIP v2 infer endpoint: open (<c>POST .../streams</c>, 201 with the id),
/// chunk (<c>POST .../streams/{id}</c>: an OIP v2 infer body with the chunk input, or the chunk's raw little-endian
/// float32 samples as <c>application/octet-stream</c>; answers the chunk's outputs as an OIP v2 response) and close
/// (<c>DELETE .../streams/{id}</c>).
/// </summary>
public static class StreamEndpoints
{
    /// <summary>Response header with the chunk's number in its stream (1 for the first).</summary>
    public const string ChunkHeader = "Stoke-Stream-Chunk";

    public static void MapStreams(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/models/{name}/streams", (HttpContext c, string name) => Open(c, name, null));
        app.MapPost("/v2/models/{name}/versions/{version}/streams", (HttpContext c, string name, string version) => Open(c, name, version));
        app.MapPost("/v2/models/{name}/streams/{id}", (HttpContext c, string name, string id) => Chunk(c, name, null, id));
        app.MapPost("/v2/models/{name}/versions/{version}/streams/{id}", (HttpContext c, string name, string version, string id) => Chunk(c, name, version, id));
        app.MapDelete("/v2/models/{name}/streams/{id}", (HttpContext c, string name, string id) => Close(c, name, null, id));
        app.MapDelete("/v2/models/{name}/versions/{version}/streams/{id}", (HttpContext c, string name, string version, string id) => Close(c, name, version, id));
    }

    private static async Task Open(HttpContext context, string name, string? version)
    {
        try
        {
            await context.RequestServices.GetRequiredService<Quotas.RequestQuota>().AdmitAsync(context);
            var spec = await Resolve(context, name, version);
            var opened = await context.RequestServices.GetRequiredService<IFunctionInvoker>()
                .OpenStreamAsync(spec, OipEndpoints.Options(context, spec), context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.Headers.Location = $"/v2/models/{name}/streams/{opened.StreamId}";
            context.Response.Headers["Stoke-Instance"] = opened.InstanceId;
            await context.Response.WriteAsJsonAsync(new
            {
                id = opened.StreamId,
                model_name = name,
                model_version = spec.Version.ToString(CultureInfo.InvariantCulture),
                chunk_length = opened.ChunkLength,
                idle_timeout_ms = opened.IdleTimeout.TotalMilliseconds,
                instance = opened.InstanceId,
                node = opened.NodeId,
            }, context.RequestAborted);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await Errors.ErrorResponses.WriteAsync(context, ex);
        }
    }

    private static async Task Chunk(HttpContext context, string name, string? version, string id)
    {
        var services = context.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        var started = time.GetTimestamp();
        var status = StatusCodes.Status200OK;
        UsageRecord? usage = null;
        string? function = null;
        try
        {
            // Each chunk is a request against the key's quota, as an infer call is.
            await services.GetRequiredService<Quotas.RequestQuota>().AdmitAsync(context);
            var body = await RequestBody.ReadAsync(context, services.GetRequiredService<GatewayOptions>().MaxRequestBodyBytes);
            var spec = await Resolve(context, name, version);
            function = spec.Name;
            var stream = spec.Stream ?? throw new StokeException(StokeErrorKind.BadRequest, $"{name} is not a stateful function: it has no streams.");
            var (samples, parsed) = ReadChunk(context, body, stream);
            if (samples.Length != stream.ChunkLength)
            {
                throw new StokeException(StokeErrorKind.BadRequest, $"A chunk of {name} must have {stream.ChunkLength} samples of '{stream.ChunkInput}'; this one has {samples.Length}.");
            }

            var outcome = await services.GetRequiredService<IFunctionInvoker>()
                .SendChunkAsync(spec, id, samples, OipEndpoints.Options(context, spec), context.RequestAborted);
            usage = outcome.Usage;
            OipEndpoints.WriteUsageHeaders(context, outcome.Usage);
            context.Response.Headers["Stoke-Instance"] = outcome.InstanceId;
            context.Response.Headers[ChunkHeader] = outcome.Sequence.ToString(CultureInfo.InvariantCulture);
            await OipEndpoints.WriteOutputsAsync(context, outcome.Outputs, name, spec.Version, parsed);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await Errors.ErrorResponses.WriteAsync(context, ex);
            status = context.Response.StatusCode;
        }
        finally
        {
            services.GetRequiredService<GatewayMetrics>().Completed(context.Tenant(), function, status, time.GetElapsedTime(started), usage);
        }
    }

    private static async Task Close(HttpContext context, string name, string? version, string id)
    {
        try
        {
            var spec = await Resolve(context, name, version);
            var closed = await context.RequestServices.GetRequiredService<IFunctionInvoker>().CloseStreamAsync(spec, id, context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new { id = closed.StreamId, chunks = closed.Chunks }, context.RequestAborted);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await Errors.ErrorResponses.WriteAsync(context, ex);
        }
    }

    private static ValueTask<FunctionSpec> Resolve(HttpContext context, string name, string? version) =>
        context.RequestServices.GetRequiredService<FunctionDirectory>().ResolveAsync(context.Tenant(), name, OipEndpoints.ParseVersion(version));

    // Raw float32 samples, or an OIP v2 infer body whose one input is the chunk (shape [N] or [1, N], FP32).
    private static (float[] Samples, OipInferRequest? Parsed) ReadChunk(HttpContext context, byte[] body, StreamOptions stream)
    {
        var headerLength = OipEndpoints.HeaderLength(context);
        if (headerLength is null && context.Request.ContentType is { } type && type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            if (body.Length % 4 != 0)
            {
                throw new StokeException(StokeErrorKind.BadRequest, $"A raw chunk is little-endian float32 samples; {body.Length} bytes is not a whole number of them.");
            }

            return (MemoryMarshal.Cast<byte, float>(body).ToArray(), null);
        }

        var parsed = OipRequestReader.Read(body, headerLength);
        if (parsed.Request.Inputs is not [var input] || input.Name != stream.ChunkInput)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"A chunk has exactly one input, '{stream.ChunkInput}'; got {string.Join(", ", parsed.Request.Inputs.Select(i => "'" + i.Name + "'"))}.");
        }

        if (input.DataType != TensorDataType.FP32 || !(input.Shape.Length == 1 || (input.Shape.Length == 2 && input.Shape[0] == 1)))
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"Input '{input.Name}' of a chunk must be FP32 of shape [N] or [1,N]; got {input.DataType.ToWireName()} {TensorShape.Format(input.Shape)}.");
        }

        return (MemoryMarshal.Cast<byte, float>(input.Data).ToArray(), parsed);
    }
}
