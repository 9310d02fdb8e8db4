using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Metrics;

namespace Stoke.Runtime.Tests.Instances;

/// <summary>
/// When the batcher waits for a batch to fill. The clock is fake and never reaches the queue delay, so a request the
/// batcher held for a batch would never be answered: a wait shows as a call that does not finish.
/// </summary>
public sealed class InstanceBatcherTests
{
    private static readonly TimeSpan QueueDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ACallerSendingOneRequestAfterAnotherIsNeverHeldForABatch()
    {
        var session = new EchoSession();
        await using var batcher = Batcher(session);

        // Arrivals 1 ms apart are far more frequent than the 5 s queue delay, but each waits for the one before.
        for (var i = 0; i < 20; i++)
        {
            var result = await batcher.EnqueueAsync(Request(i), DateTimeOffset.MaxValue, CancellationToken.None).WaitAsync(Hang);
            Assert.Equal(1, result.BatchSize);
            Assert.Equal(i, EchoSession.Value(result.Outputs[0]));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(20, session.Calls);
    }

    [Fact]
    public async Task RequestsArrivingWhileOthersRunWaitForTheBatchToFillThenRunTogether()
    {
        var session = new EchoSession { Gate = new SemaphoreSlim(0) };
        await using var batcher = Batcher(session);

        var first = batcher.EnqueueAsync(Request(100), DateTimeOffset.MaxValue, CancellationToken.None);
        await session.Entered.WaitAsync(Hang);
        var others = Enumerable.Range(0, 5).Select(i =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            return batcher.EnqueueAsync(Request(i), DateTimeOffset.MaxValue, CancellationToken.None);
        }).ToList();
        session.Gate.Release(10);
        Assert.Equal(1, (await first.WaitAsync(Hang)).BatchSize);

        // Five of a batch of eight: frequent, overlapping arrivals make the batcher wait for more until the delay.
        var all = Task.WhenAll(others);
        Assert.NotSame(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromMilliseconds(300))));
        _time.Advance(QueueDelay);
        var answered = await all.WaitAsync(Hang);
        Assert.All(answered, r => Assert.Equal(5, r.BatchSize));
        Assert.Equal([0, 1, 2, 3, 4], answered.Select(r => EchoSession.Value(r.Outputs[0])));
        Assert.Equal(2, session.Calls);
    }

    [Fact]
    public async Task ABurstAfterALongIdlePeriodWaitsForItsBatchToFill()
    {
        var session = new EchoSession { Gate = new SemaphoreSlim(0) };
        await using var batcher = Batcher(session);

        // Two overlapping requests: the batcher has seen concurrency and arrivals 1 ms apart.
        var a = batcher.EnqueueAsync(Request(-1), DateTimeOffset.MaxValue, CancellationToken.None);
        await session.Entered.WaitAsync(Hang);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var b = batcher.EnqueueAsync(Request(-2), DateTimeOffset.MaxValue, CancellationToken.None);
        session.Gate.Release(100);
        await a.WaitAsync(Hang);
        // b waits for its batch to fill: move the clock past its delay until it runs (the loop may arm its delay
        // after any one move).
        for (var moves = 0; !b.IsCompleted && moves < 100; moves++)
        {
            _time.Advance(QueueDelay);
            await Task.WhenAny(b, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }

        await b.WaitAsync(Hang);

        // Idle for 20 queue delays, then six requests 1 ms apart: they wait for the batch to fill and run as one, as
        // they would have without the pause (counted whole, the pause kept the batcher from waiting: six batches of 1).
        _time.Advance(20 * QueueDelay);
        var burst = Enumerable.Range(0, 6).Select(i =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            return batcher.EnqueueAsync(Request(i), DateTimeOffset.MaxValue, CancellationToken.None);
        }).ToList();

        var all = Task.WhenAll(burst);
        Assert.NotSame(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromMilliseconds(300))));
        _time.Advance(QueueDelay);
        var answered = await all.WaitAsync(Hang);
        Assert.All(answered, r => Assert.Equal(6, r.BatchSize));
        Assert.Equal([0, 1, 2, 3, 4, 5], answered.Select(r => EchoSession.Value(r.Outputs[0])));
    }

    private InstanceBatcher Batcher(IModelSession session)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var spec = new FunctionSpec
        {
            Tenant = "t",
            Name = "echo",
            Version = 1,
            Engine = "onnx",
            Artifact = new ArtifactRef("abc", 1, "m.onnx"),
            Signature = session.Signature,
            Batching = new BatchingOptions { MaxBatchSize = 8, MaxQueueDelay = QueueDelay },
        };
        return new InstanceBatcher(spec, "n1", 1 << 20, session, new Fixed(8, QueueDelay), mergeable: true, capacity: 64,
            _time, new RuntimeMetrics(meters), NullLogger.Instance);
    }

    private static InferenceRequest Request(float value) =>
        new(null, [new Tensor("x", TensorDataType.FP32, [1, 1], BitConverter.GetBytes(value))], null);

    private sealed class Fixed(int maxBatch, TimeSpan delay) : IBatchingPolicy
    {
        public BatchPlan Next(int queued, TimeSpan oldestWaited) => new(maxBatch, delay);

        public void Observe(int batchSize, TimeSpan duration)
        {
        }
    }

    /// <summary>Returns its input; with a gate, each call waits for it after signalling that it began.</summary>
    private sealed class EchoSession : IModelSession
    {
        private int _calls;

        public SemaphoreSlim? Gate { get; init; }

        public SemaphoreSlim Entered { get; } = new(0);

        public int Calls => Volatile.Read(ref _calls);

        public ModelSignature Signature { get; } = new([new("x", TensorDataType.FP32, [-1, 1])], [new("x", TensorDataType.FP32, [-1, 1])]);

        public static float Value(Tensor t) => BitConverter.ToSingle(t.Data.AsSpan());

        public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs)
        {
            Interlocked.Increment(ref _calls);
            Entered.Release();
            Gate?.Wait(Hang);
            return [inputs[0]];
        }

        public void Dispose()
        {
        }
    }
}
