using System.Runtime.InteropServices;
using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Onnx.Tests.Support;

/// <summary>Builds and reads raw tensors in tests.</summary>
internal static class RawTensors
{
    public static Tensor Floats(string name, long[] shape, float[] values) =>
        new(name, TensorDataType.FP32, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static Tensor Int64s(string name, long[] shape, long[] values) =>
        new(name, TensorDataType.Int64, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static float[] ToFloats(Tensor tensor)
    {
        Assert.Equal(TensorDataType.FP32, tensor.DataType);
        return MemoryMarshal.Cast<byte, float>(tensor.Data).ToArray();
    }

    public static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }

        return values;
    }

    public static void AllClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= tolerance, $"Largest difference {worst} exceeds {tolerance}.");
    }
}
