using Stoke.Abstractions.Tensors;

namespace Stoke.Streams;

/// <summary>
/// Stacks tensors of several streams along any axis and splits them back, in raw form. Silero VAD's state is
/// [2, B, 128]: its batch is axis 1, so a step cannot simply concatenate the bytes as the dimension-0 batcher does.
/// Fixed-size element types only (stream state is numeric).
/// </summary>
public static class AxisBatching
{
    public static Tensor Stack(IReadOnlyList<Tensor> parts, int axis, string name)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var first = parts[0];
        var (outer, innerBytes) = Strides(first, axis);
        long rows = 0;
        foreach (var p in parts)
        {
            rows += p.Shape[axis];
        }

        var data = new byte[outer * rows * innerBytes];
        long offset = 0;
        for (long o = 0; o < outer; o++)
        {
            foreach (var p in parts)
            {
                var slab = p.Shape[axis] * innerBytes;
                Buffer.BlockCopy(p.Data, (int)(o * slab), data, (int)offset, (int)slab);
                offset += slab;
            }
        }

        var shape = (long[])first.Shape.Clone();
        shape[axis] = rows;
        return new Tensor(name, first.DataType, shape, data);
    }

    /// <summary>Splits <paramref name="tensor"/> along <paramref name="axis"/> into parts of the given sizes.</summary>
    public static Tensor[] Split(Tensor tensor, int axis, IReadOnlyList<long> rows, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(rows);
        var (outer, innerBytes) = Strides(tensor, axis);
        var total = tensor.Shape[axis];
        var parts = new Tensor[rows.Count];
        long start = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var slab = rows[i] * innerBytes;
            var data = new byte[outer * slab];
            for (long o = 0; o < outer; o++)
            {
                Buffer.BlockCopy(tensor.Data, (int)((o * total * innerBytes) + (start * innerBytes)), data, (int)(o * slab), (int)slab);
            }

            var shape = (long[])tensor.Shape.Clone();
            shape[axis] = rows[i];
            parts[i] = new Tensor(name, tensor.DataType, shape, data);
            start += rows[i];
        }

        return parts;
    }

    // Elements before the axis, and bytes of one index of the axis (everything after it).
    private static (long Outer, long InnerBytes) Strides(Tensor t, int axis)
    {
        if (axis < 0 || axis >= t.Shape.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is outside {t.Name}'s shape {TensorShape.Format(t.Shape)}.");
        }

        var size = t.DataType.ElementSize();
        if (size == 0)
        {
            throw new ArgumentException($"{t.Name} is BYTES; stream state must be numeric.", nameof(t));
        }

        return (TensorShape.ElementCount(t.Shape.AsSpan(0, axis)), TensorShape.ElementCount(t.Shape.AsSpan(axis + 1)) * size);
    }
}
