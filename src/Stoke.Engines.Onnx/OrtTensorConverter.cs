using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Onnx;

/// <summary>
/// Converts raw platform tensors to ONNX Runtime values and back. Numeric inputs are not copied: the OrtValue is
/// built over the pinned byte array, so the caller must keep the returned <see cref="PinnedOrtValue"/> alive for the run.
/// </summary>
internal static class OrtTensorConverter
{
    static OrtTensorConverter()
    {
        // Raw tensors are little-endian and ONNX Runtime uses native order: they agree only on little-endian hosts.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The ONNX engine needs a little-endian host.");
        }
    }

    /// <summary>Builds an OrtValue for <paramref name="tensor"/>; throws <see cref="ArgumentException"/> when its bytes do not fit its shape.</summary>
    public static PinnedOrtValue ToOrtValue(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var count = tensor.ElementCount;
        if (count < 0)
        {
            throw new ArgumentException($"Input '{tensor.Name}' has a negative dimension in shape {TensorShape.Format(tensor.Shape)}.");
        }

        if (tensor.DataType == TensorDataType.Bytes)
        {
            return new PinnedOrtValue(ToStringOrtValue(tensor, count), default);
        }

        var expected = checked(count * tensor.DataType.ElementSize());
        if (tensor.Data.Length != expected)
        {
            throw new ArgumentException(
                $"Input '{tensor.Name}' has {tensor.Data.Length} bytes but {tensor.DataType.ToWireName()} {TensorShape.Format(tensor.Shape)} needs {expected}.");
        }

        var elementType = OrtElementTypes.ToElementType(tensor.DataType);
        if (expected == 0)
        {
            // Nothing to pin; an empty allocated tensor keeps ONNX Runtime away from a null data pointer.
            return new PinnedOrtValue(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, elementType, tensor.Shape), default);
        }

        var data = tensor.Data;
        if (tensor.DataType == TensorDataType.Bool && data.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)1) >= 0)
        {
            // ONNX bools must be 0 or 1; normalise other truthy bytes into a private copy.
            data = new byte[data.Length];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = tensor.Data[i] == 0 ? (byte)0 : (byte)1;
            }
        }

        var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
        try
        {
            var value = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, elementType, tensor.Shape, handle.AddrOfPinnedObject(), data.Length);
            return new PinnedOrtValue(value, handle);
        }
        catch
        {
            handle.Free();
            throw;
        }
    }

    /// <summary>Copies an output OrtValue into a raw tensor named <paramref name="name"/>.</summary>
    public static Tensor FromOrtValue(string name, OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.IsTensor)
        {
            throw new NotSupportedException($"Output '{name}' is a {value.OnnxType}, not a tensor; the onnx engine returns tensors only.");
        }

        var info = value.GetTensorTypeAndShape();
        if (!OrtElementTypes.TryToDataType(info.ElementDataType, out var dataType))
        {
            throw new NotSupportedException($"Output '{name}' has element type {info.ElementDataType}, which the platform does not carry.");
        }

        var shape = info.Shape;
        if (dataType == TensorDataType.Bytes)
        {
            return new Tensor(name, dataType, shape, FromStringOrtValue(value, checked((int)info.ElementCount)));
        }

        return new Tensor(name, dataType, shape, value.GetTensorMutableRawData().ToArray());
    }

    /// <summary>Splits raw BYTES data (per element: 4-byte little-endian length, then the bytes) into element ranges.</summary>
    public static Range[] SplitBytes(string name, ReadOnlySpan<byte> data, long count)
    {
        var ranges = new Range[checked((int)count)];
        var offset = 0;
        for (var i = 0; i < ranges.Length; i++)
        {
            if (data.Length - offset < sizeof(int))
            {
                throw new ArgumentException($"Input '{name}' BYTES data ends inside the length of element {i} of {count}.");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            offset += sizeof(int);
            if (length < 0 || length > data.Length - offset)
            {
                throw new ArgumentException($"Input '{name}' BYTES element {i} claims {length} bytes but {data.Length - offset} remain.");
            }

            ranges[i] = new Range(offset, offset + length);
            offset += length;
        }

        if (offset != data.Length)
        {
            throw new ArgumentException($"Input '{name}' BYTES data has {data.Length - offset} bytes after its {count} elements.");
        }

        return ranges;
    }

    private static OrtValue ToStringOrtValue(Tensor tensor, long count)
    {
        var ranges = SplitBytes(tensor.Name, tensor.Data, count);
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
        try
        {
            for (var i = 0; i < ranges.Length; i++)
            {
                value.StringTensorSetElementAt(tensor.Data.AsSpan(ranges[i]), i);
            }

            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    private static byte[] FromStringOrtValue(OrtValue value, int count)
    {
        var total = 0;
        for (var i = 0; i < count; i++)
        {
            total = checked(total + sizeof(int) + value.GetStringElementAsSpan(i).Length);
        }

        var data = new byte[total];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var element = value.GetStringElementAsSpan(i);
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(offset), element.Length);
            offset += sizeof(int);
            element.CopyTo(data.AsSpan(offset));
            offset += element.Length;
        }

        return data;
    }
}
