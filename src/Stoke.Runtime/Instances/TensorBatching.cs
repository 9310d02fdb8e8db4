using Stoke.Abstractions.Tensors;

namespace Stoke.Runtime.Instances;

/// <summary>Merges requests' tensors along the batch dimension and splits the outputs back, in raw form.</summary>
public static class TensorBatching
{
    /// <summary>
    /// A key equal for requests whose inputs can share one batch: same names, types and non-batch dimensions.
    /// </summary>
    public static string BatchKey(IReadOnlyList<Tensor> inputs)
    {
        var key = new System.Text.StringBuilder();
        foreach (var t in inputs.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            key.Append(t.Name).Append(':').Append((int)t.DataType).Append(':');
            for (var d = 1; d < t.Shape.Length; d++)
            {
                key.Append(t.Shape[d]).Append(',');
            }

            key.Append(';');
        }

        return key.ToString();
    }

    /// <summary>Rows (leading dimension) of a request, taken from its first input.</summary>
    public static long Rows(IReadOnlyList<Tensor> inputs) => inputs.Count == 0 || inputs[0].Shape.Length == 0 ? 1 : inputs[0].Shape[0];

    /// <summary>Concatenates same-keyed requests along dimension 0. Raw bytes concatenate directly, BYTES included.</summary>
    public static Tensor[] Concat(IReadOnlyList<IReadOnlyList<Tensor>> requests)
    {
        if (requests.Count == 1)
        {
            return [.. requests[0]];
        }

        var first = requests[0];
        var merged = new Tensor[first.Count];
        for (var i = 0; i < first.Count; i++)
        {
            var name = first[i].Name;
            long rows = 0;
            long bytes = 0;
            foreach (var r in requests)
            {
                var t = Find(r, name);
                rows += t.Shape[0];
                bytes += t.Data.LongLength;
            }

            var data = new byte[bytes];
            long offset = 0;
            foreach (var r in requests)
            {
                var t = Find(r, name);
                Buffer.BlockCopy(t.Data, 0, data, (int)offset, t.Data.Length);
                offset += t.Data.LongLength;
            }

            var shape = (long[])first[i].Shape.Clone();
            shape[0] = rows;
            merged[i] = new Tensor(name, first[i].DataType, shape, data);
        }

        return merged;
    }

    /// <summary>Splits batch outputs into per-request outputs by each request's row count.</summary>
    public static Tensor[][] Split(IReadOnlyList<Tensor> outputs, IReadOnlyList<long> rowsPerRequest)
    {
        var result = new Tensor[rowsPerRequest.Count][];
        for (var r = 0; r < result.Length; r++)
        {
            result[r] = new Tensor[outputs.Count];
        }

        for (var o = 0; o < outputs.Count; o++)
        {
            var output = outputs[o];
            var offsets = RowOffsets(output);
            long row = 0;
            for (var r = 0; r < rowsPerRequest.Count; r++)
            {
                var rows = rowsPerRequest[r];
                var start = offsets[row];
                var end = offsets[row + rows];
                var data = new byte[end - start];
                Buffer.BlockCopy(output.Data, (int)start, data, 0, data.Length);
                var shape = (long[])output.Shape.Clone();
                shape[0] = rows;
                result[r][o] = new Tensor(output.Name, output.DataType, shape, data);
                row += rows;
            }
        }

        return result;
    }

    // Byte offset of each row boundary (rows + 1 entries). Fixed-size types are arithmetic; BYTES walks the lengths.
    private static long[] RowOffsets(Tensor t)
    {
        if (t.Shape.Length == 0)
        {
            throw new InvalidOperationException($"Output {t.Name} is a scalar and cannot be split across a batch.");
        }

        var rows = t.Shape[0];
        var perRow = TensorShape.ElementCount(t.Shape.AsSpan(1));
        var offsets = new long[rows + 1];
        var size = t.DataType.ElementSize();
        if (size > 0)
        {
            for (long r = 0; r <= rows; r++)
            {
                offsets[r] = r * perRow * size;
            }

            return offsets;
        }

        long pos = 0;
        for (long r = 0; r < rows; r++)
        {
            offsets[r] = pos;
            for (long e = 0; e < perRow; e++)
            {
                var len = BitConverter.ToUInt32(t.Data, (int)pos);
                pos += 4 + len;
            }
        }

        offsets[rows] = pos;
        return offsets;
    }

    private static Tensor Find(IReadOnlyList<Tensor> tensors, string name)
    {
        foreach (var t in tensors)
        {
            if (t.Name == name)
            {
                return t;
            }
        }

        throw new InvalidOperationException($"Input {name} missing from a batched request.");
    }
}
