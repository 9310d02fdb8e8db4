using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Metrics;
using Stoke.Runtime.Tracing;
using Stoke.Abstractions.Instances;
using Stoke.Abstractions.Errors;

namespace Stoke.Runtime.Instances;

/// <summary>
/// The dynamic batcher of one instance: a bounded queue and one loop that forms batches of compatible requests
/// (same non-batch shapes) by the function's batching policy, runs them on the engine and splits the results.
/// It waits for a batch to fill only while another request is likely to come (<see cref="BatchArrivals"/>), so neither
/// a lone request at low load nor a caller sending one request after another pays the queue delay.
/// </summary>
internal sealed partial class InstanceBatcher : IAsyncDisposable
{
    private readonly Channel<PendingInference> _queue;
    private readonly IModelSession _session;
    private readonly IBatchingPolicy _policy;
    private readonly bool _mergeable;
    private readonly TimeProvider _time;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly FunctionSpec _spec;
    private readonly string _functionKey;
    private readonly string _nodeId;
    private readonly long _memoryBytes;
    private readonly Queue<PendingInference> _carry = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly BatchArrivals _arrivals;

    public InstanceBatcher(
        FunctionSpec spec, string nodeId, long memoryBytes, IModelSession session, IBatchingPolicy policy,
        bool mergeable, int capacity, TimeProvider time, RuntimeMetrics metrics, ILogger logger)
    {
        _spec = spec;
        _functionKey = spec.Key + "/v" + spec.Version;
        _nodeId = nodeId;
        _memoryBytes = memoryBytes;
        _session = session;
        _policy = policy;
        _mergeable = mergeable;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _arrivals = new BatchArrivals(time, spec.Batching.MaxQueueDelay);
        _queue = Channel.CreateBounded<PendingInference>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // The loop outlives the cold start that creates it: it must not inherit that start's span as its parent.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>Requests waiting in the queue.</summary>
    public int QueueDepth => _queue.Reader.Count + _carry.Count;

    /// <summary>
    /// Queues a request; a full queue refuses at once (503) rather than growing without bound. Cancelling the token
    /// (the client went away) answers the request at once and takes it out of the batch it would have joined.
    /// </summary>
    public async Task<InstanceInvocation> EnqueueAsync(InferenceRequest request, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var pending = Enqueue(request, deadline, cancellationToken);
        try
        {
            if (!cancellationToken.CanBeCanceled)
            {
                return await pending.Completion.Task;
            }

            await using var registration = cancellationToken.Register(static p => ((PendingInference)p!).Cancel(), pending);
            return await pending.Completion.Task;
        }
        finally
        {
            _arrivals.Left();
        }
    }

    private PendingInference Enqueue(InferenceRequest request, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        _arrivals.Arrived(now);
        var pending = new PendingInference(request, deadline, now, cancellationToken) { Span = Activity.Current };
        if (!_queue.Writer.TryWrite(pending))
        {
            _arrivals.Left();
            throw new StokeException(StokeErrorKind.Overloaded, $"Instance queue of {_functionKey} is full.", TimeSpan.FromSeconds(1));
        }

        return pending;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingInference>();
        try
        {
            while (_carry.Count > 0 || await reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                var first = _carry.Count > 0 ? _carry.Dequeue() : reader.TryRead(out var r) ? r : null;
                if (first is null || Expired(first))
                {
                    continue;
                }

                batch.Add(first);
                var plan = _policy.Next(QueueDepth + 1, _time.GetElapsedTime(first.EnqueuedAt));
                var maxBatch = _mergeable ? Math.Max(1, plan.MaxBatchSize) : 1;
                if (maxBatch > 1)
                {
                    await FillAsync(batch, first, maxBatch, plan.MaxDelay);
                }

                RunBatch(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }

        FailAll(new StokeException(StokeErrorKind.Overloaded, $"Instance of {_functionKey} stopped.", TimeSpan.FromMilliseconds(100)));
    }

    private async Task FillAsync(List<PendingInference> batch, PendingInference first, int maxBatch, TimeSpan maxDelay)
    {
        var key = TensorBatching.BatchKey(first.Request.Inputs);
        var waitUntil = first.EnqueuedAt + (long)(maxDelay.TotalSeconds * _time.TimestampFrequency);
        var skipped = new List<PendingInference>();
        while (batch.Count < maxBatch)
        {
            if (_queue.Reader.TryRead(out var next))
            {
                if (Expired(next))
                {
                    continue;
                }

                if (TensorBatching.BatchKey(next.Request.Inputs) == key)
                {
                    batch.Add(next);
                }
                else
                {
                    skipped.Add(next);
                }

                continue;
            }

            // Wait only if another request is likely to arrive before the delay runs out.
            var remaining = TimeSpan.FromSeconds((waitUntil - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
            if (remaining <= TimeSpan.Zero || !_arrivals.MoreLikelyWithin(maxDelay))
            {
                break;
            }

            using var delay = new CancellationTokenSource(remaining, _time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(delay.Token, _stop.Token);
            try
            {
                if (!await _queue.Reader.WaitToReadAsync(timeout.Token))
                {
                    break; // stopping: no request will come
                }
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                break;
            }
        }

        foreach (var s in skipped)
        {
            _carry.Enqueue(s);
        }
    }

    private void RunBatch(List<PendingInference> batch)
    {
        var started = _time.GetTimestamp();
        using var span = StartBatchSpan(batch);
        try
        {
            var inputs = batch.Select(p => (IReadOnlyList<Tensor>)p.Request.Inputs).ToList();
            var merged = TensorBatching.Concat(inputs);
            var outputs = OutputsToRun(batch);
            // The loop owns a thread-pool thread already; running inline saves a hop per batch.
            var results = _session.Run(merged, outputs);
            var elapsed = _time.GetElapsedTime(started);
            _policy.Observe(batch.Count, elapsed);
            _metrics.RecordBatch(_spec, batch.Count, elapsed);
            var split = batch.Count == 1 ? [results] : TensorBatching.Split(results, batch.Select(p => TensorBatching.Rows(p.Request.Inputs)).ToList());
            for (var i = 0; i < batch.Count; i++)
            {
                var p = batch[i];
                var queueMs = _time.GetElapsedTime(p.EnqueuedAt, started).TotalMilliseconds;
                p.Completion.TrySetResult(new InstanceInvocation(
                    Filter(split[i], p.Request.RequestedOutputs), queueMs, elapsed.TotalMilliseconds, batch.Count, _nodeId, _memoryBytes));
            }
        }
        catch (Exception ex)
        {
            span.Fail(ex);
            Log.BatchFailed(_logger, _functionKey, batch.Count, ex);
            var error = ex as StokeException ?? new StokeException(StokeErrorKind.Internal, $"Engine failed on {_functionKey}: {ex.Message}", ex);
            foreach (var p in batch)
            {
                p.Completion.TrySetException(error);
            }
        }
    }

    private static string[]? OutputsToRun(List<PendingInference> batch)
    {
        if (batch.Exists(p => p.Request.RequestedOutputs is null || p.Request.RequestedOutputs.Length == 0))
        {
            return null;
        }

        return batch.SelectMany(p => p.Request.RequestedOutputs!).Distinct(StringComparer.Ordinal).ToArray();
    }

    private static Tensor[] Filter(Tensor[] outputs, string[]? requested) =>
        requested is null || requested.Length == 0 ? outputs : Array.FindAll(outputs, o => Array.IndexOf(requested, o.Name) >= 0);

    private bool Expired(PendingInference p)
    {
        if (p.CancellationToken.IsCancellationRequested)
        {
            p.Completion.TrySetCanceled(p.CancellationToken);
            return true;
        }

        if (_time.GetUtcNow() < p.Deadline)
        {
            return false;
        }

        p.Completion.TrySetException(new StokeException(
            StokeErrorKind.DeadlineExceeded,
            $"Deadline expired after {_time.GetElapsedTime(p.EnqueuedAt).TotalMilliseconds:F0} ms in the batch queue of {_functionKey}."));
        return true;
    }

    private void FailAll(StokeException error)
    {
        while (_carry.TryDequeue(out var p))
        {
            p.Completion.TrySetException(error);
        }

        while (_queue.Reader.TryRead(out var p))
        {
            p.Completion.TrySetException(error);
        }
    }

    /// <summary>Stops taking requests, finishes those queued, then stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(30), _time);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync();
        }

        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Batch of {BatchSize} failed on {Function}")]
        public static partial void BatchFailed(ILogger logger, string function, int batchSize, Exception exception);
    }
}
