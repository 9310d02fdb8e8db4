using System.Runtime.InteropServices;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;

namespace Stoke.Streams.Tests;

public sealed class StreamStepBatcherTests
{
    private static readonly StreamOptions Options = new()
    {
        ChunkInput = "x",
        ChunkLength = 2,
        ContextLength = 1,
        States = [new StreamState("h", "hN", 1)],
        Constants = [new StreamConstant("k", 3)],
    };

    private static readonly ModelSignature Signature = new(
        [new("x", TensorDataType.FP32, [-1, 3]), new("h", TensorDataType.FP32, [2, -1, 1]), new("k", TensorDataType.Int64, [])],
        [new("y", TensorDataType.FP32, [-1, 1]), new("hN", TensorDataType.FP32, [2, -1, 1])]);

    [Fact]
    public void SignatureFitsTheOptions() => StreamSpecs.Validate(Options, Signature);

    // The counting model adds each window's sum to its state, so a stream's output is the running sum of its windows.
    [Fact]
    public async Task CarriesStateAndContextFromStepToStep()
    {
        var session = new CountingSession();
        await using var steps = Batcher(session, () => 1);
        var stream = Open("s1");

        var first = await steps.StepAsync(stream, [1, 2], DateTimeOffset.MaxValue, CancellationToken.None);
        var second = await steps.StepAsync(stream, [3, 4], DateTimeOffset.MaxValue, CancellationToken.None);

        Assert.Equal(3f, Y(first));
        Assert.Equal(3f + 2 + 3 + 4, Y(second));
        Assert.Equal([2f, 3f, 4f], session.Windows[^1]);
        Assert.Equal(2, second.Sequence);
    }

    [Fact]
    public async Task FailedStepLeavesTheStateAsItWas()
    {
        var session = new CountingSession { FailNext = true };
        await using var steps = Batcher(session, () => 1);
        var stream = Open("s1");

        var failed = await Assert.ThrowsAsync<StokeException>(() => steps.StepAsync(stream, [1, 2], DateTimeOffset.MaxValue, CancellationToken.None));
        var retried = await steps.StepAsync(stream, [1, 2], DateTimeOffset.MaxValue, CancellationToken.None);

        Assert.Equal(StokeErrorKind.Internal, failed.Kind);
        Assert.Equal(3f, Y(retried));
        Assert.Equal(1, retried.Sequence);
    }

    [Fact]
    public async Task ChunksOfOpenStreamsShareAStepWithTheirOwnState()
    {
        var session = new CountingSession();
        await using var steps = Batcher(session, () => 2, TimeSpan.FromSeconds(5));
        var a = Open("a");
        var b = Open("b");

        var results = await Task.WhenAll(
            steps.StepAsync(a, [1, 1], DateTimeOffset.MaxValue, CancellationToken.None),
            steps.StepAsync(b, [10, 10], DateTimeOffset.MaxValue, CancellationToken.None));

        Assert.Equal([2, 2], results.Select(r => r.BatchSize));
        Assert.Equal([2f, 20f], results.Select(Y));
        Assert.Equal(1, session.Calls);
    }

    private static StreamStepBatcher Batcher(IModelSession session, Func<int> open, TimeSpan? delay = null) =>
        new(Options, Signature, session, 8, delay ?? TimeSpan.Zero, 16, open, TimeProvider.System);

    private static StreamSession Open(string name)
    {
        using var table = new StreamTable(TimeProvider.System, TimeSpan.FromHours(1));
        return table.Open(StreamIds.New(name), "t/f", 1, "i", StreamSpecs.InitialStates(Options, Signature), Options.ContextLength, TimeSpan.FromMinutes(1));
    }

    private static float Y(StreamStepResult r) => MemoryMarshal.Cast<byte, float>(r.Outputs.Single(o => o.Name == "y").Data)[0];

    private sealed class CountingSession : IModelSession
    {
        public bool FailNext { get; set; }

        public int Calls { get; private set; }

        public List<float[]> Windows { get; } = [];

        public ModelSignature Signature => StreamStepBatcherTests.Signature;

        public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("engine failed");
            }

            Calls++;
            var x = MemoryMarshal.Cast<byte, float>(inputs.Single(t => t.Name == "x").Data).ToArray();
            var h = MemoryMarshal.Cast<byte, float>(inputs.Single(t => t.Name == "h").Data).ToArray();
            Assert.Equal(3, MemoryMarshal.Cast<byte, long>(inputs.Single(t => t.Name == "k").Data)[0]);
            var rows = x.Length / 3;
            var y = new float[rows];
            var hN = new float[2 * rows];
            for (var r = 0; r < rows; r++)
            {
                Windows.Add(x[(r * 3)..((r * 3) + 3)]);
                y[r] = h[r] + x[(r * 3)..((r * 3) + 3)].Sum();
                hN[r] = y[r];
                hN[rows + r] = -y[r];
            }

            return [Tensor("y", y, [rows, 1]), Tensor("hN", hN, [2, rows, 1])];
        }

        private static Tensor Tensor(string name, float[] data, long[] shape) =>
            new(name, TensorDataType.FP32, shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

        public void Dispose()
        {
        }
    }
}
