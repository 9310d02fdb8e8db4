using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Tensors;
using Stoke.Abstractions.Usage;
using Stoke.Control.Metering;
using Stoke.Runtime.Cluster;
using Stoke.Runtime.Grains;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Routing;
using Stoke.Runtime.Tracing;
using Stoke.Runtime.Traffic;

namespace Stoke.Runtime.Invocation;

/// <summary>
/// The node's <see cref="IFunctionInvoker"/>: meters each request on this gateway (<see cref="NodeTraffic"/>), routes it
/// (<c>FunctionInvoker.Routing.cs</c>), calls the instance in process when it is on this node and through its NodeGrain
/// otherwise, and writes its usage record.
/// </summary>
public sealed partial class FunctionInvoker(
    NodeHost node, NodeRouter router, NodeTraffic traffic, ClusterView cluster, IGrainFactory grains, TimeProvider time, RuntimeMetrics metrics,
    IOptions<StokeNodeOptions> nodeOptions, ILogger<FunctionInvoker> logger)
    : IFunctionInvoker
{
    /// <summary>Attempts of one request on lost instances before it fails.</summary>
    public const int MaxAttempts = 4;

    public async Task<InferenceOutcome> InvokeAsync(FunctionSpec spec, InferenceRequest request, InvocationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Engine == FunctionSpec.PipelineEngine)
        {
            // A pipeline has no instances of its own: the gateway's OIP infer (REST and gRPC) runs its steps through the pipeline runner.
            throw new StokeException(StokeErrorKind.BadRequest, $"'{spec.Name}' is a pipeline: invoke it with the Open Inference Protocol's infer (POST /v2/models/{spec.Name}/infer, or gRPC ModelInfer).");
        }

        var (result, route, arrived) = await MeteredAsync(spec, options, cancellationToken, (instance, nodeId) => nodeId == node.NodeId
            ? node.InvokeAsync(instance, request, options.Deadline, cancellationToken)
            : grains.GetGrain<INodeGrain>(nodeId).Invoke(instance, request, options.Deadline, cancellationToken));
        var record = Record(spec, request.Id, result, route, arrived);
        return new InferenceOutcome(result.Outputs, record, route.InstanceId) { Attempts = route.Attempts };
    }

    public async Task<EmbeddingOutcome> EmbedAsync(FunctionSpec spec, string[] texts, InvocationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (result, route, arrived) = await MeteredAsync(spec, options, cancellationToken, (instance, nodeId) => nodeId == node.NodeId
            ? node.EmbedAsync(instance, texts, options.Deadline, cancellationToken)
            : grains.GetGrain<INodeGrain>(nodeId).Embed(instance, texts, options.Deadline, cancellationToken));
        var record = Record(spec, null, result.Run, route, arrived) with { InputTokens = result.TokenCounts.Sum() };
        return new EmbeddingOutcome(result.Vectors, result.TokenCounts, record);
    }

    // Arrival to answer on this gateway's meter; failures are counted with the reason's kind.
    private async Task<(T Result, Route Route, long Arrived)> MeteredAsync<T>(
        FunctionSpec spec, InvocationOptions options, CancellationToken cancellationToken, Func<string, string, Task<T>> call)
    {
        var functionTraffic = traffic.For(spec);
        var arrived = time.GetTimestamp();
        functionTraffic.Meter.Arrive();
        using var activity = RuntimeTracing.Start(RuntimeTracing.Invoke, spec);
        try
        {
            var (result, route) = await CallAsync(spec, options, call, cancellationToken);
            activity?.SetTag(RuntimeTracing.Route, route.ViaController ? "controller" : "direct")
                .SetTag(RuntimeTracing.InstanceId, route.InstanceId).SetTag(RuntimeTracing.NodeId, route.NodeId).SetTag(RuntimeTracing.Attempts, route.Attempts);
            return (result, route, arrived);
        }
        catch (Exception ex) when (CountsAsFailure(ex, cancellationToken))
        {
            activity.Fail(ex);
            functionTraffic.Failed(spec.Tenant, spec.Name, spec.Version, ReasonOf(ex));
            throw;
        }
        finally
        {
            functionTraffic.Meter.Leave();
        }
    }

    // A bad request is the client's; a client that went away is not a failure of the platform.
    private static bool CountsAsFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not StokeException { Kind: StokeErrorKind.BadRequest or StokeErrorKind.NotFound }
        && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    // The reason a failure is counted under: the refusal's kind (deadline_exceeded, overloaded, ...), or internal.
    private static string ReasonOf(Exception ex) => ex switch
    {
        StokeException { InnerException: InstanceGoneException } => "instance_lost",
        StokeException { InnerException: { } inner } when Failures.IsTransport(inner) => "node_unreachable",
        StokeException s => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.Kind.ToString()),
        OperationCanceledException => "cancelled",
        _ when Failures.IsTransport(ex) => "node_unreachable",
        _ => "internal",
    };

    private UsageRecord Record(FunctionSpec spec, string? requestId, InstanceInvocation result, Route route, long arrived)
    {
        var totalMs = time.GetElapsedTime(arrived).TotalMilliseconds;
        var coldMs = route.ColdStartTier is null ? 0 : route.HeldMs;
        var (memoryMbSeconds, cost) = UsagePricing.Price(spec, result.ComputeMs, result.BatchSize);
        var record = new UsageRecord
        {
            Tenant = spec.Tenant,
            Function = spec.Name,
            Version = spec.Version,
            Node = result.NodeId,
            RequestId = requestId,
            Timestamp = time.GetUtcNow(),
            QueueMs = Math.Max(0, totalMs - coldMs - result.ComputeMs),
            ColdStartMs = coldMs,
            ColdStartTier = route.ColdStartTier,
            ComputeMs = result.ComputeMs,
            MemoryMbSeconds = memoryMbSeconds,
            BatchSize = result.BatchSize,
            Cost = cost,
            EnergyJoules = Joules(result.ComputeMs, result.BatchSize, memoryMbSeconds),
        };
        traffic.For(spec).Answered(record, totalMs);
        return record;
    }

    // Estimated with this node's power model: give every node of a cluster the same settings (docs/energy.md).
    private double Joules(double computeMs, int sharedBy, double memoryMbSeconds)
    {
        var options = nodeOptions.Value;
        return options.Energy.RequestJoules(computeMs, options.EngineCores, sharedBy, memoryMbSeconds);
    }

    public async Task<IGeneration> GenerateAsync(FunctionSpec spec, TextGenerationRequest request, InvocationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var functionTraffic = traffic.For(spec);
        var arrived = time.GetTimestamp();
        functionTraffic.Meter.Arrive();
        // The generation's span lives as long as the generation: the Generation ends it when disposed.
        var activity = RuntimeTracing.Start(RuntimeTracing.Generate, spec);
        try
        {
            var (started, route) = await CallAsync(spec, options, (instance, nodeId) => StartStreamAsync(instance, nodeId, request, cancellationToken), cancellationToken, keepRoute: true);
            activity?.SetTag(RuntimeTracing.Route, route.ViaController ? "controller" : "direct")
                .SetTag(RuntimeTracing.InstanceId, route.InstanceId).SetTag(RuntimeTracing.NodeId, route.NodeId).SetTag(RuntimeTracing.Attempts, route.Attempts);
            return new Generation(this, spec, route, started.Chunks, started.First, arrived, activity);
        }
        catch (Exception ex)
        {
            if (CountsAsFailure(ex, cancellationToken))
            {
                activity.Fail(ex);
                functionTraffic.Failed(spec.Tenant, spec.Name, spec.Version, ReasonOf(ex));
            }

            activity?.Dispose();

            functionTraffic.Meter.Leave();
            throw;
        }
    }

    // Opens the stream and reads its first chunk, so that "instance gone" and refusals surface here (and are retried).
    private async Task<(IAsyncEnumerator<TextChunk> Chunks, TextChunk First)> StartStreamAsync(string instance, string nodeId, TextGenerationRequest request, CancellationToken cancellationToken)
    {
        var stream = nodeId == node.NodeId
            ? node.GenerateAsync(instance, request, cancellationToken)
            : grains.GetGrain<INodeGrain>(nodeId).Generate(instance, request, cancellationToken);
        var chunks = stream.GetAsyncEnumerator(cancellationToken);
        try
        {
            if (!await chunks.MoveNextAsync())
            {
                throw new StokeException(StokeErrorKind.Internal, "The generation ended without a result.");
            }

            return (chunks, chunks.Current);
        }
        catch
        {
            await Generation.DisposeQuietlyAsync(chunks);
            throw;
        }
    }

    /// <summary>A generation is over (finished, failed or abandoned): its usage, its slot, its meter.</summary>
    internal UsageRecord Finish(FunctionSpec spec, Route route, long arrived, int promptTokens, int completionTokens, TextChunk? final)
    {
        route.Counted?.Done();
        var functionTraffic = traffic.For(spec);
        var totalMs = time.GetElapsedTime(arrived).TotalMilliseconds;
        // A stream that ended without its final chunk (the client went away) kept its sequence decoding until then: it is
        // billed the time it was open on the instance, an upper bound since its wait in the engine's queue is unknown.
        var computeMs = final is null ? Math.Max(0, totalMs - route.HeldMs) : Math.Max(0, final.TotalMs - final.QueueMs);
        var (memoryMbSeconds, cost) = UsagePricing.Price(spec, computeMs, 1, promptTokens, completionTokens);
        var coldMs = route.ColdStartTier is null ? 0 : route.HeldMs;
        var record = new UsageRecord
        {
            Tenant = spec.Tenant,
            Function = spec.Name,
            Version = spec.Version,
            Node = route.NodeId,
            RequestId = Guid.NewGuid().ToString("N"),
            Timestamp = time.GetUtcNow(),
            QueueMs = Math.Max(0, route.HeldMs - coldMs) + (final?.QueueMs ?? 0),
            ColdStartMs = coldMs,
            ColdStartTier = route.ColdStartTier,
            ComputeMs = computeMs,
            MemoryMbSeconds = memoryMbSeconds,
            BatchSize = 1,
            InputTokens = promptTokens,
            OutputTokens = completionTokens,
            Succeeded = final is not null,
            Cost = cost,
            EnergyJoules = Joules(computeMs, 1, memoryMbSeconds),
        };
        functionTraffic.Answered(record, totalMs);
        functionTraffic.Meter.Leave();
        return record;
    }
}
