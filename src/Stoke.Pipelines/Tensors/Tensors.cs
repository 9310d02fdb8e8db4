using System.Runtime.InteropServices;
using System.Text;
using Stoke.Abstractions.Tensors;

namespace Stoke.Pipelines.Tensors;

/// <summary>Builds, reads, splits and joins raw tensors in memory, as steps hand them to each other.</summary>
public static class TensorOps
{
    public static Tensor Floats(string name, long[] shape, float[] values) =>
        new(name, TensorDataType.FP32, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static Tensor Ints(string name, long[] shape, int[] values) =>
        new(name, TensorDataType.Int32, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static Tensor Bytes(string name, long[] shape, byte[] values) => new(name, TensorDataType.UInt8, shape, values);

    /// <summary>A BYTES tensor of UTF-8 strings, one per element of a 1-D shape.</summary>
    public static Tensor Strings(string name, IReadOnlyList<string> values)
    {
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var value in values)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            BitConverter.TryWriteBytes(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        return new Tensor(name, TensorDataType.Bytes, [values.Count], buffer.ToArray());
    }

    /// <summary>The elements of a BYTES tensor, each a byte string.</summary>
    public static List<byte[]> ReadBytesElements(Tensor tensor)
    {
        var items = new List<byte[]>();
        var data = tensor.Data.AsSpan();
        while (data.Length >= 4)
        {
            var length = BitConverter.ToInt32(data);
            if (length < 0 || length > data.Length - 4)
            {
                throw new InvalidDataException($"'{tensor.Name}' has malformed BYTES data");
            }

            items.Add(data.Slice(4, length).ToArray());
            data = data[(4 + length)..];
        }

        return items;
    }

    public static ReadOnlySpan<float> AsFloats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.Data.AsSpan());

    public static ReadOnlySpan<int> AsInts(Tensor tensor) => MemoryMarshal.Cast<byte, int>(tensor.Data.AsSpan());

    /// <summary>Splits a tensor along dimension 0 into one tensor of leading size 1 per row (BYTES by element).</summary>
    public static Tensor[] SplitRows(Tensor tensor)
    {
        var rows = tensor.Shape.Length == 0 ? 1 : (int)tensor.Shape[0];
        var itemShape = tensor.Shape.Length == 0 ? [1] : tensor.Shape.ToArray();
        itemShape[0] = 1;
        var result = new Tensor[rows];
        if (tensor.DataType == TensorDataType.Bytes)
        {
            var elements = ReadBytesElements(tensor);
            var perRow = rows == 0 ? 0 : elements.Count / rows;
            for (var r = 0; r < rows; r++)
            {
                result[r] = StringsOf(tensor.Name, itemShape, elements.GetRange(r * perRow, perRow));
            }

            return result;
        }

        var rowBytes = rows == 0 ? 0 : tensor.Data.Length / rows;
        for (var r = 0; r < rows; r++)
        {
            result[r] = new Tensor(tensor.Name, tensor.DataType, itemShape, tensor.Data.AsSpan(r * rowBytes, rowBytes).ToArray());
        }

        return result;
    }

    /// <summary>Joins tensors of equal trailing shape along dimension 0; <paramref name="empty"/> shapes the result of no rows.</summary>
    public static Tensor ConcatRows(string name, IReadOnlyList<Tensor> parts, TensorSpec empty)
    {
        if (parts.Count == 0)
        {
            var shape = empty.Shape.Select(d => d < 0 ? 0L : d).ToArray();
            if (shape.Length > 0)
            {
                shape[0] = 0;
            }

            return new Tensor(name, empty.DataType, shape, []);
        }

        var first = parts[0];
        var joined = first.Shape.ToArray();
        joined[0] = parts.Sum(p => p.Shape[0]);
        for (var i = 1; i < parts.Count; i++)
        {
            if (!parts[i].Shape.AsSpan(1).SequenceEqual(first.Shape.AsSpan(1)))
            {
                throw new InvalidDataException($"output '{name}' has shape {TensorShape.Format(parts[i].Shape)} in one call and {TensorShape.Format(first.Shape)} in another: they cannot be joined");
            }
        }

        var data = new byte[parts.Sum(p => p.Data.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.Data.CopyTo(data, offset);
            offset += part.Data.Length;
        }

        return new Tensor(name, first.DataType, joined, data);
    }

    private static Tensor StringsOf(string name, long[] shape, List<byte[]> elements)
    {
        using var buffer = new MemoryStream();
        foreach (var e in elements)
        {
            buffer.Write(BitConverter.GetBytes(e.Length));
            buffer.Write(e);
        }

        return new Tensor(name, TensorDataType.Bytes, shape, buffer.ToArray());
    }
}
