using Microsoft.ML.OnnxRuntime.Tensors;
using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Onnx;

/// <summary>Maps ONNX element types to the platform's <see cref="TensorDataType"/> and back.</summary>
internal static class OrtElementTypes
{
    public static bool TryToDataType(TensorElementType type, out TensorDataType dataType)
    {
        dataType = type switch
        {
            TensorElementType.Float => TensorDataType.FP32,
            TensorElementType.Double => TensorDataType.FP64,
            TensorElementType.Float16 => TensorDataType.FP16,
            TensorElementType.Int64 => TensorDataType.Int64,
            TensorElementType.Int32 => TensorDataType.Int32,
            TensorElementType.Int16 => TensorDataType.Int16,
            TensorElementType.Int8 => TensorDataType.Int8,
            TensorElementType.UInt64 => TensorDataType.UInt64,
            TensorElementType.UInt32 => TensorDataType.UInt32,
            TensorElementType.UInt16 => TensorDataType.UInt16,
            TensorElementType.UInt8 => TensorDataType.UInt8,
            TensorElementType.Bool => TensorDataType.Bool,
            TensorElementType.String => TensorDataType.Bytes,
            _ => (TensorDataType)byte.MaxValue,
        };
        return dataType != (TensorDataType)byte.MaxValue;
    }

    public static TensorElementType ToElementType(TensorDataType dataType) => dataType switch
    {
        TensorDataType.FP32 => TensorElementType.Float,
        TensorDataType.FP64 => TensorElementType.Double,
        TensorDataType.FP16 => TensorElementType.Float16,
        TensorDataType.Int64 => TensorElementType.Int64,
        TensorDataType.Int32 => TensorElementType.Int32,
        TensorDataType.Int16 => TensorElementType.Int16,
        TensorDataType.Int8 => TensorElementType.Int8,
        TensorDataType.UInt64 => TensorElementType.UInt64,
        TensorDataType.UInt32 => TensorElementType.UInt32,
        TensorDataType.UInt16 => TensorElementType.UInt16,
        TensorDataType.UInt8 => TensorElementType.UInt8,
        TensorDataType.Bool => TensorElementType.Bool,
        TensorDataType.Bytes => TensorElementType.String,
        _ => throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown tensor data type."),
    };
}
