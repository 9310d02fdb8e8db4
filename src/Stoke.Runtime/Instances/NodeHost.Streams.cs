using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Instances;
using Stoke.Streams;

namespace Stoke.Runtime.Instances;

// Stream sessions of stateful functions: the state of each stream lives here, on the node of the instance that holds
// it. An open stream counts as one request in flight on its instance from open to end, so the autoscaler sees it as
// load, keep-alive and eviction never release an instance that holds one (they only take instances with nothing in
// flight), and instanceConcurrency caps the streams per instance. When the instance stops anyway (its function is
// deleted, the node stops) its streams end with that reason, and their next chunk is a 410 saying so.
public sealed partial class NodeHost
{
    /// <summary>How often this node looks for idle streams to expire (a chunk also finds its stream expired on arrival).</summary>
    public static readonly TimeSpan StreamSweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>This node's open and recently ended streams.</summary>
    public StreamTable Streams { get; }

    private StreamTable CreateStreamTable(TimeProvider time)
    {
        var table = new StreamTable(time, StreamSweepInterval);
        table.Ended += (session, reason) =>
        {
            Log.StreamEnded(_logger, session.Id, session.FunctionKey, session.InstanceId, session.Chunks, reason);
            if (_instances.TryGetValue(session.InstanceId, out var instance))
            {
                Done(instance);
            }
        };
        return table;
    }

    private StreamStepBatcher? CreateStepBatcher(Instance instance, IModelSession session)
    {
        var spec = instance.Spec;
        if (spec.Stream is not { } stream)
        {
            return null;
        }

        var instanceSpec = spec;
        return new StreamStepBatcher(
            stream, spec.Signature, session, spec.Batching.MaxBatchSize, spec.Batching.MaxQueueDelay, _options.InstanceQueueCapacity,
            () => Streams.OpenOn(instance.Id), _time, (size, elapsed) => _metrics.RecordBatch(instanceSpec, size, elapsed));
    }

    /// <summary>Opens a stream on one of this node's ready instances: a zero state, held here until the stream ends.</summary>
    public StreamOpened OpenStream(string instanceId, string functionKey, int version)
    {
        if (!_instances.TryGetValue(instanceId, out var instance) || instance.Phase != InstancePhase.Ready)
        {
            throw new InstanceGoneException(instanceId);
        }

        if (instance.Streams is null || instance.Spec.Stream is not { } options)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"{instance.Spec.Name} is not a stateful function: deploy it with stream settings (stream.chunk, stream.state) to open streams on it.");
        }

        if (instance.Spec.Key != functionKey || instance.Spec.Version != version)
        {
            throw new InstanceGoneException(instanceId);
        }

        instance.Enter();
        var session = Streams.Open(
            StreamIds.New(NodeId), functionKey, version, instanceId, StreamSpecs.InitialStates(options, instance.Spec.Signature), options.ContextLength, options.IdleTimeout);
        Log.StreamOpened(_logger, session.Id, functionKey, instanceId);
        return new StreamOpened(session.Id, instanceId, NodeId, options.ChunkLength, options.IdleTimeout);
    }

    /// <summary>Runs one chunk of a stream held here, batched with the chunks of other streams of its instance.</summary>
    public async Task<InstanceInvocation> StreamChunkAsync(
        string streamId, string functionKey, float[] chunk, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var session = Streams.Get(streamId, functionKey);
        if (!_instances.TryGetValue(session.InstanceId, out var instance) || instance.Streams is not { } steps)
        {
            Streams.End(session, $"its instance {session.InstanceId} is gone");
            throw new StokeException(StokeErrorKind.Gone, $"Stream {streamId} has ended: its instance {session.InstanceId} is gone.");
        }

        if (!session.TryEnter())
        {
            throw new StokeException(StokeErrorKind.Conflict, $"A chunk of stream {streamId} is already in flight: send a stream's chunks one at a time, each after the previous answer.");
        }

        try
        {
            var step = await steps.StepAsync(session, chunk, deadline, cancellationToken);
            return new InstanceInvocation(step.Outputs, step.QueueMs, step.ComputeMs, step.BatchSize, NodeId, instance.MemoryBytes) { Sequence = step.Sequence, InstanceId = instance.Id };
        }
        finally
        {
            var now = _time.GetUtcNow();
            session.Exit(now);
            instance.LastUsed = now;
        }
    }

    /// <summary>Ends a stream at its client's request and drops its state.</summary>
    public StreamClosed CloseStream(string streamId, string functionKey)
    {
        var session = Streams.Close(streamId, functionKey);
        return new StreamClosed(session.Id, session.Chunks);
    }

    // A stream function's warm-up runs one silent window of one stream, as its chunks will (a [1,1] guess may not even run).
    private static Abstractions.Tensors.Tensor[] StreamWarmUpInputs(StreamOptions stream, Abstractions.Tensors.ModelSignature signature)
    {
        var width = stream.ContextLength + stream.ChunkLength;
        var window = new Abstractions.Tensors.Tensor(stream.ChunkInput, Abstractions.Tensors.TensorDataType.FP32, [1, width], new byte[width * sizeof(float)]);
        return [window, .. StreamSpecs.InitialStates(stream, signature), .. StreamSpecs.Constants(stream, signature)];
    }

    private async Task EndStreamsAsync(Instance instance, string reason)
    {
        if (instance.Streams is { } steps)
        {
            Streams.EndAll(instance.Id, $"its instance {instance.Id} stopped ({reason})");
            await steps.DisposeAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Stream {StreamId} of {Function} opened on instance {InstanceId}")]
        public static partial void StreamOpened(ILogger logger, string streamId, string function, string instanceId);

        [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Stream {StreamId} of {Function} on instance {InstanceId} ended after {Chunks} chunks: {Reason}")]
        public static partial void StreamEnded(ILogger logger, string streamId, string function, string instanceId, long chunks, string reason);
    }
}
