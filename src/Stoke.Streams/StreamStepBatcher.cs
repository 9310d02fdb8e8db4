using System.Runtime.InteropServices;
using System.Threading.Channels;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;

namespace Stoke.Streams;

/// <summary>The per-chunk outputs of one stream's step (state outputs left out) and what the step cost.</summary>
public sealed record StreamStepResult(Tensor[] Outputs, long Sequence, int BatchSize, double QueueMs, double ComputeMs);

/// <summary>
/// The step loop of one stateful instance, in the manner of Triton's sequence batcher: chunks of different streams
/// that are queued together run as one engine call, each stream's window (context + chunk) a row of the chunk input
/// and its state stacked on each state's batch axis; the outputs are split back, and each stream keeps its new state
/// and context. A step waits for more chunks (up to the batching delay) only while fewer are queued than streams are
/// open, so a lone stream never waits. A failed step changes no stream's state.
/// </summary>
public sealed class StreamStepBatcher : IAsyncDisposable
{
    private readonly Channel<PendingChunk> _queue;
    private readonly StreamOptions _options;
    private readonly IModelSession _session;
    private readonly Tensor[] _constants;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxDelay;
    private readonly Func<int> _openStreams;
    private readonly TimeProvider _time;
    private readonly Action<int, TimeSpan>? _onStep;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="openStreams">Streams open on this instance now (how many chunks a step may still expect).</param>
    /// <param name="onStep">Called after each step with its batch size and duration (metrics).</param>
    public StreamStepBatcher(
        StreamOptions options, ModelSignature signature, IModelSession session, int maxBatch, TimeSpan maxDelay, int capacity,
        Func<int> openStreams, TimeProvider time, Action<int, TimeSpan>? onStep = null)
    {
        _options = options;
        _session = session;
        _constants = StreamSpecs.Constants(options, signature);
        _maxBatch = Math.Max(1, maxBatch);
        _maxDelay = maxDelay;
        _openStreams = openStreams;
        _time = time;
        _onStep = onStep;
        _queue = Channel.CreateBounded<PendingChunk>(new BoundedChannelOptions(capacity) { SingleReader = true });
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>Runs one chunk of a stream (which the caller holds through <see cref="StreamSession.TryEnter"/>).</summary>
    public async Task<StreamStepResult> StepAsync(StreamSession stream, float[] chunk, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Length != _options.ChunkLength)
        {
            throw new StokeException(StokeErrorKind.BadRequest, $"A chunk of stream {stream.Id} must have {_options.ChunkLength} samples; this one has {chunk.Length}.");
        }

        var pending = new PendingChunk(stream, chunk, deadline, _time.GetTimestamp(), cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new StokeException(StokeErrorKind.Overloaded, $"The step queue of instance {stream.InstanceId} is full.", TimeSpan.FromSeconds(1));
        }

        await using var registration = cancellationToken.Register(static p => ((PendingChunk)p!).Cancel(), pending);
        return await pending.Completion.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingChunk>(_maxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                if (!_queue.Reader.TryRead(out var first) || Dropped(first))
                {
                    continue;
                }

                batch.Add(first);
                await FillAsync(batch, first.EnqueuedAt);
                Step(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }

        while (_queue.Reader.TryRead(out var left))
        {
            left.Completion.TrySetException(new StokeException(StokeErrorKind.Gone, $"Stream {left.Stream.Id} has ended: its instance {left.Stream.InstanceId} stopped."));
        }
    }

    private async Task FillAsync(List<PendingChunk> batch, long firstAt)
    {
        var waitUntil = firstAt + (long)(_maxDelay.TotalSeconds * _time.TimestampFrequency);
        while (batch.Count < _maxBatch)
        {
            if (_queue.Reader.TryRead(out var next))
            {
                if (!Dropped(next))
                {
                    batch.Add(next);
                }

                continue;
            }

            // Another open stream may send its chunk for this step: wait for it, within the delay.
            var remaining = TimeSpan.FromSeconds((waitUntil - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
            if (remaining <= TimeSpan.Zero || batch.Count >= _openStreams())
            {
                return;
            }

            using var delay = new CancellationTokenSource(remaining, _time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(delay.Token, _stop.Token);
            try
            {
                await _queue.Reader.WaitToReadAsync(either.Token);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Step(List<PendingChunk> batch)
    {
        var started = _time.GetTimestamp();
        try
        {
            var inputs = new List<Tensor>(2 + _options.States.Length + _constants.Length) { Windows(batch) };
            for (var s = 0; s < _options.States.Length; s++)
            {
                var state = _options.States[s];
                inputs.Add(AxisBatching.Stack(batch.ConvertAll(p => p.Stream.States[s]), state.BatchAxis, state.Input));
            }

            inputs.AddRange(_constants);
            var outputs = _session.Run(inputs, null);
            var elapsed = _time.GetElapsedTime(started);
            _onStep?.Invoke(batch.Count, elapsed);
            Answer(batch, outputs, started, elapsed);
        }
        catch (Exception ex)
        {
            var error = ex as StokeException ?? new StokeException(StokeErrorKind.Internal, $"The step of {batch.Count} stream(s) failed: {ex.Message}", ex);
            foreach (var p in batch)
            {
                p.Completion.TrySetException(error);
            }
        }
    }

    // Each stream's window: its carried context, then its new chunk.
    private Tensor Windows(List<PendingChunk> batch)
    {
        var width = _options.ContextLength + _options.ChunkLength;
        var data = new float[batch.Count * width];
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Stream.Context.CopyTo(data, i * width);
            batch[i].Chunk.CopyTo(data, (i * width) + _options.ContextLength);
        }

        return new Tensor(_options.ChunkInput, TensorDataType.FP32, [batch.Count, width], MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }

    private void Answer(List<PendingChunk> batch, Tensor[] outputs, long started, TimeSpan elapsed)
    {
        var rows = batch.ConvertAll(_ => 1L);
        var perStream = new Tensor[batch.Count][];
        var results = new List<Tensor>[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            perStream[i] = new Tensor[_options.States.Length];
            results[i] = [];
        }

        foreach (var output in outputs)
        {
            var s = Array.FindIndex(_options.States, st => st.Output == output.Name);
            var parts = AxisBatching.Split(output, s >= 0 ? _options.States[s].BatchAxis : 0, rows, s >= 0 ? _options.States[s].Input : output.Name);
            for (var i = 0; i < batch.Count; i++)
            {
                if (s >= 0)
                {
                    perStream[i][s] = parts[i];
                }
                else
                {
                    results[i].Add(parts[i]);
                }
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var p = batch[i];
            var stream = p.Stream;
            stream.States = perStream[i];
            if (_options.ContextLength > 0)
            {
                // The window's tail becomes the next window's head.
                var window = new float[_options.ContextLength + _options.ChunkLength];
                stream.Context.CopyTo(window, 0);
                p.Chunk.CopyTo(window, _options.ContextLength);
                stream.Context = window[^_options.ContextLength..];
            }

            stream.Chunks++;
            var queueMs = _time.GetElapsedTime(p.EnqueuedAt, started).TotalMilliseconds;
            p.Completion.TrySetResult(new StreamStepResult([.. results[i]], stream.Chunks, batch.Count, queueMs, elapsed.TotalMilliseconds));
        }
    }

    private bool Dropped(PendingChunk p)
    {
        if (p.CancellationToken.IsCancellationRequested)
        {
            p.Cancel();
            return true;
        }

        if (_time.GetUtcNow() < p.Deadline)
        {
            return false;
        }

        p.Completion.TrySetException(new StokeException(StokeErrorKind.DeadlineExceeded, $"Deadline expired while a chunk of stream {p.Stream.Id} waited for its step."));
        return true;
    }

    /// <summary>Stops taking chunks, runs those queued, then stops the loop.</summary>
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

    private sealed class PendingChunk(StreamSession stream, float[] chunk, DateTimeOffset deadline, long enqueuedAt, CancellationToken cancellationToken)
    {
        public StreamSession Stream { get; } = stream;
        public float[] Chunk { get; } = chunk;
        public DateTimeOffset Deadline { get; } = deadline;
        public long EnqueuedAt { get; } = enqueuedAt;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<StreamStepResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Cancel() => Completion.TrySetCanceled(CancellationToken);
    }
}
