using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Runtime.Grains;
using Stoke.Streams;

namespace Stoke.Runtime.Invocation;

// Streams of stateful functions. Opening one is routed like a request (so a cold function starts, the routing policy
// and the affinity key pick the instance, a lost instance is retried elsewhere); after that, the stream's id names the
// node that holds its state and every chunk goes straight there, one hop, from any gateway. A stream whose node cannot
// be reached is over: its state lived there, so the chunk is a 410 naming the node, and the client opens a new stream
// (no checkpoint: a lost stream's state is not recovered).
public sealed partial class FunctionInvoker
{
    public async Task<StreamOpened> OpenStreamAsync(FunctionSpec spec, InvocationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Stream is null)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"{spec.Name} v{spec.Version} is not a stateful function: deploy it with stream settings (stream.chunk, stream.state) to open streams on it.");
        }

        // The open is an arrival: without it a function whose only traffic so far is this open shows its controller no
        // use, and the keep-alive may release the instance (and the stream's state) before the first chunk comes.
        var meter = traffic.For(spec).Meter;
        meter.Arrive();
        try
        {
            var (opened, _) = await CallAsync(spec, options, (instance, nodeId) => nodeId == node.NodeId
                ? Task.FromResult(node.OpenStream(instance, spec.Key, spec.Version))
                : grains.GetGrain<INodeGrain>(nodeId).OpenStream(instance, spec.Key, spec.Version), cancellationToken);
            return opened;
        }
        finally
        {
            meter.Leave();
        }
    }

    public async Task<InferenceOutcome> SendChunkAsync(FunctionSpec spec, string streamId, float[] chunk, InvocationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var holder = Holder(spec, streamId);
        var functionTraffic = traffic.For(spec);
        var arrived = time.GetTimestamp();
        functionTraffic.Meter.Arrive();
        try
        {
            var result = await OnHolderAsync(holder, streamId, () => holder == node.NodeId
                ? node.StreamChunkAsync(streamId, spec.Key, chunk, options.Deadline, cancellationToken)
                : grains.GetGrain<INodeGrain>(holder).StreamChunk(streamId, spec.Key, chunk, options.Deadline, cancellationToken), cancellationToken);
            var instanceId = result.InstanceId ?? "";
            var record = Record(spec, null, result, new Route(instanceId, holder, 0, null, null, ViaController: false), arrived);
            return new InferenceOutcome(result.Outputs, record, instanceId) { Sequence = result.Sequence };
        }
        catch (Exception ex) when (CountsAsFailure(ex, cancellationToken) && ex is not StokeException { Kind: StokeErrorKind.Gone or StokeErrorKind.Conflict })
        {
            functionTraffic.Failed(spec.Tenant, spec.Name, spec.Version, ReasonOf(ex));
            throw;
        }
        finally
        {
            functionTraffic.Meter.Leave();
        }
    }

    public Task<StreamClosed> CloseStreamAsync(FunctionSpec spec, string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var holder = Holder(spec, streamId);
        return OnHolderAsync(holder, streamId, () => holder == node.NodeId
            ? Task.FromResult(node.CloseStream(streamId, spec.Key))
            : grains.GetGrain<INodeGrain>(holder).CloseStream(streamId, spec.Key), cancellationToken);
    }

    private static string Holder(FunctionSpec spec, string streamId) =>
        StreamIds.NodeOf(streamId) ?? throw new StokeException(StokeErrorKind.NotFound, $"No stream {streamId} on {spec.Name}: it is not a stream id this cluster issued.");

    // The holding node is the only place the stream's state exists: when it is gone, so is the stream.
    private async Task<T> OnHolderAsync<T>(string holder, string streamId, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        if (holder != node.NodeId && cluster.HasLeft(holder))
        {
            throw new StokeException(StokeErrorKind.Gone, $"Stream {streamId} is lost: node {holder}, which held its state, has left the cluster. Open a new stream.");
        }

        try
        {
            return await call();
        }
        catch (Exception ex) when (holder != node.NodeId && !cancellationToken.IsCancellationRequested && Failures.IsTransport(ex))
        {
            cluster.Suspect(holder, ex.GetType().Name);
            throw new StokeException(StokeErrorKind.Gone, $"Stream {streamId} is lost: node {holder}, which held its state, cannot be reached ({ex.GetType().Name}). Open a new stream.");
        }
    }
}
