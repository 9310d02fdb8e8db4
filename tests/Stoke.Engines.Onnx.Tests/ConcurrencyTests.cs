using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx.Tests.Support;

namespace Stoke.Engines.Onnx.Tests;

/// <summary>A session is shared by an instance's workers, so Run must be safe from many threads at once.</summary>
public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private const int RunsPerThread = 5;
    private const int Pixels = 3 * 48 * 192;

    [Fact]
    public async Task EightThreadsRunningAtOnceGetTheSequentialResults()
    {
        using var session = TestModels.Load(TestModels.PaddleClassifier, threads: 1);
        var name = session.Signature.Inputs[0].Name;
        var inputs = Enumerable.Range(0, Threads)
            .Select(t => RawTensors.Floats(name, [2, 3, 48, 192], RawTensors.Random(2 * Pixels, seed: 100 + t)))
            .ToArray();
        var expected = inputs.Select(i => RawTensors.ToFloats(session.Run([i], null)[0])).ToArray();

        // Every thread waits at the barrier so the runs really overlap.
        using var start = new Barrier(Threads);
        var actual = new float[Threads][][];
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => OnOwnThread(() =>
        {
            start.SignalAndWait();
            actual[t] = [.. Enumerable.Range(0, RunsPerThread).Select(_ => RawTensors.ToFloats(session.Run([inputs[t]], null)[0]))];
        })));

        for (var t = 0; t < Threads; t++)
        {
            Assert.All(actual[t], result => RawTensors.AllClose(expected[t], result, 1e-6f));
        }
    }

    [Fact]
    public async Task DisposeDuringRunsLetsThemFinish()
    {
        var session = TestModels.Load(TestModels.PaddleClassifier, threads: 1);
        var input = RawTensors.Floats(session.Signature.Inputs[0].Name, [4, 3, 48, 192], RawTensors.Random(4 * Pixels, seed: 9));
        using var started = new Barrier(Threads + 1);
        var results = new Tensor[Threads][];
        var workers = Enumerable.Range(0, Threads).Select(t => OnOwnThread(() =>
        {
            started.SignalAndWait();
            try
            {
                results[t] = session.Run([input], null);
            }
            catch (ObjectDisposedException)
            {
                // Refused cleanly: the run started after Dispose.
            }
        })).ToArray();

        started.SignalAndWait();
        session.Dispose();
        await Task.WhenAll(workers);

        // A run that got in finished with a correct result; none failed on a released native session.
        Assert.All(results, r => Assert.True(r is null || r[0].Shape.SequenceEqual([4L, 2L])));
    }

    // Dedicated threads: eight workers blocked on a barrier would starve a 2-core thread pool.
    private static Task OnOwnThread(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
