using System.Globalization;
using Grpc.Core;
using Inference;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Gateway.Grpc.Errors;
using Stoke.Gateway.Grpc.Tensors;
using Stoke.Gateway.Metrics;
using Stoke.Gateway.OpenInference;
using Stoke.Gateway.Quotas;
using Stoke.Gateway.Routing;
using Stoke.OpenInference;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Invocation;

namespace Stoke.Gateway.Grpc.Services;

/// <summary>
/// <c>inference.GRPCInferenceService</c> over the REST path's parts: the same directory, validator, infer call (model
/// functions and pipelines, <see cref="OipInference"/>) and metrics, so a request behaves the same whichever protocol brought it. Refusals are thrown and mapped by <see cref="GrpcGuard"/>.
/// </summary>
internal sealed class InferenceService(
    FunctionDirectory directory, OipInference inference, IGrainFactory grains, GatewayMetrics metrics, RequestQuota quotas, TimeProvider time)
    : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    // Ready while the node can serve, as REST's /v2/health/ready (also with its store down).
    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = true });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse
        {
            Name = OipEndpoints.ServerName,
            Version = OipEndpoints.ServerVersion,
            Extensions = { OipProtocol.BinaryTensorDataExtension },
        });

    // A serverless function is ready whenever it is deployed: a request to a scaled-to-zero function starts an instance.
    public override async Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        await directory.ResolveAsync(GrpcGuard.Tenant(context), request.Name, Version(request.Version));
        return new ModelReadyResponse { Ready = true };
    }

    public override async Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var tenant = GrpcGuard.Tenant(context);
        var spec = await directory.ResolveAsync(tenant, request.Name, Version(request.Version));
        var versions = await grains.GetGrain<IFunctionRegistryGrain>(tenant).Versions(request.Name);
        var response = new ModelMetadataResponse { Name = request.Name, Platform = OipEndpoints.Platform(spec) };
        response.Versions.AddRange(versions.Select(v => v.Version.ToString(CultureInfo.InvariantCulture)));
        response.Inputs.AddRange(spec.Signature.Inputs.Select(Metadata));
        response.Outputs.AddRange(spec.Signature.Outputs.Select(Metadata));
        return response;
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var started = time.GetTimestamp();
        var status = 200;
        UsageRecord? usage = null;
        string? function = null;
        try
        {
            await quotas.AdmitAsync(context.GetHttpContext());
            var parsed = ProtoTensorReader.Read(request);
            var spec = await directory.ResolveAsync(GrpcGuard.Tenant(context), request.ModelName, Version(request.ModelVersion));
            function = spec.Name;
            OipValidator.Validate(parsed.Request, spec.Signature);
            var http = context.GetHttpContext();
            // A pipeline as REST runs it (its steps metered each and as a whole); its per-step headers become response metadata.
            var outcome = await inference.InvokeAsync(http, spec, parsed.Request, Options(context, spec), context.CancellationToken);
            usage = outcome.Usage;
            // The REST path's usage headers, as response metadata.
            OipEndpoints.WriteUsageHeaders(http, outcome.Usage);
            http.Response.Headers["Stoke-Instance"] = outcome.InstanceId;
            http.Response.Headers["Stoke-Attempts"] = outcome.Attempts.ToString(CultureInfo.InvariantCulture);
            return ProtoResponseWriter.Write(outcome.Outputs, request, parsed, spec.Version.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception ex)
        {
            status = GrpcErrors.StatusOf(ex, context);
            throw;
        }
        finally
        {
            metrics.Completed(GrpcGuard.Tenant(context), function, status, time.GetElapsedTime(started), usage);
        }
    }

    /// <summary>
    /// The call's gRPC deadline is the request's deadline (capped as REST's timeout header is); without one, the
    /// <c>stoke-timeout-ms</c> metadata or the function's default applies, as for REST.
    /// </summary>
    private InvocationOptions Options(ServerCallContext context, FunctionSpec spec)
    {
        var options = OipEndpoints.Options(context.GetHttpContext(), spec);
        if (context.Deadline == DateTime.MaxValue)
        {
            return options;
        }

        var cap = time.GetUtcNow() + OipEndpoints.MaxTimeout;
        var deadline = new DateTimeOffset(context.Deadline, TimeSpan.Zero) - DeadlineMargin;
        return options with { Deadline = deadline < cap ? deadline : cap };
    }

    /// <summary>
    /// Stoke refuses a request this much before the call's gRPC deadline, so that its 504 with the reason ("held for
    /// a cold start ...") reaches the client ahead of ASP.NET Core's own bare "Deadline Exceeded" at the deadline itself.
    /// </summary>
    internal static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(100);

    private static int? Version(string version) => OipEndpoints.ParseVersion(version.Length > 0 ? version : null);

    private static ModelMetadataResponse.Types.TensorMetadata Metadata(TensorSpec spec)
    {
        var metadata = new ModelMetadataResponse.Types.TensorMetadata { Name = spec.Name, Datatype = spec.DataType.ToWireName() };
        metadata.Shape.AddRange(spec.Shape);
        return metadata;
    }
}
