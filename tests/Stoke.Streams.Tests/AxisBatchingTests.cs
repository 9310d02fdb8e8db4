using System.Runtime.InteropServices;
using Stoke.Abstractions.Tensors;

namespace Stoke.Streams.Tests;

public sealed class AxisBatchingTests
{
    // Silero's state is [2, B, 128]: stacking streams on axis 1 interleaves their halves, it does not concatenate them.
    [Fact]
    public void StacksOnAMiddleAxisAndSplitsBackToTheSameStreams()
    {
        var a = State(1f);
        var b = State(2f);
        var stacked = AxisBatching.Stack([a, b], axis: 1, "state");

        Assert.Equal(new long[] { 2, 2, 3 }, stacked.Shape);
        Assert.Equal(new[] { 1f, 1.1f, 1.2f, 2f, 2.1f, 2.2f, 1.5f, 1.6f, 1.7f, 2.5f, 2.6f, 2.7f }, Floats(stacked));
        var parts = AxisBatching.Split(stacked, 1, [1, 1], "state");
        Assert.Equal(Floats(a), Floats(parts[0]));
        Assert.Equal(Floats(b), Floats(parts[1]));
    }

    private static Tensor State(float v)
    {
        float[] data = [v, v + 0.1f, v + 0.2f, v + 0.5f, v + 0.6f, v + 0.7f];
        return new Tensor("state", TensorDataType.FP32, [2, 1, 3], MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }

    private static float[] Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.Data).ToArray();
}
