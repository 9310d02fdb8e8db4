using System.Buffers.Binary;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;

namespace Stoke.Streams;

/// <summary>
/// Checks a function's <see cref="StreamOptions"/> against its model's signature at deploy (every model input must
/// be the chunk, a state or a constant; each state's batch axis must be free), and builds what a step needs from them:
/// a new stream's zero state and the constant inputs.
/// </summary>
public static class StreamSpecs
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that does not fit the model.</summary>
    public static void Validate(StreamOptions options, ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(signature);
        Check(options.ChunkLength > 0, $"stream chunk length must be positive, got {options.ChunkLength}.");
        Check(options.ContextLength >= 0, $"stream context length must not be negative, got {options.ContextLength}.");
        Check(options.IdleTimeout > TimeSpan.Zero, "stream idle timeout must be positive.");
        var chunk = Input(signature, options.ChunkInput, "stream chunk input");
        var window = options.ContextLength + options.ChunkLength;
        Check(chunk.DataType == TensorDataType.FP32, $"stream chunk input '{chunk.Name}' is {chunk.DataType.ToWireName()}; streams take FP32 chunks.");
        Check(
            chunk.Shape.Length == 2 && chunk.Shape[0] == TensorShape.Dynamic && (chunk.Shape[1] == TensorShape.Dynamic || chunk.Shape[1] == window),
            $"stream chunk input '{chunk.Name}' has shape {TensorShape.Format(chunk.Shape)}; it must be [batch, {window}] (context {options.ContextLength} + chunk {options.ChunkLength}).");
        var used = new HashSet<string>(StringComparer.Ordinal) { chunk.Name };
        foreach (var state in options.States)
        {
            var input = Input(signature, state.Input, "stream state input");
            var output = signature.Outputs.FirstOrDefault(o => o.Name == state.Output)
                ?? throw new ArgumentException($"stream state output '{state.Output}' is not an output of the model (outputs: {string.Join(", ", signature.Outputs.Select(o => o.Name))}).");
            Check(used.Add(input.Name), $"input '{input.Name}' is named twice in the stream settings.");
            Check(input.DataType == output.DataType && input.DataType.ElementSize() > 0, $"stream state '{input.Name}' and '{output.Name}' must have one numeric type.");
            Check(state.BatchAxis >= 0 && state.BatchAxis < input.Shape.Length, $"stream state '{input.Name}' has batch axis {state.BatchAxis}, outside its shape {TensorShape.Format(input.Shape)}.");
            Check(output.Shape.Length == input.Shape.Length, $"stream state output '{output.Name}' {TensorShape.Format(output.Shape)} has another rank than '{input.Name}' {TensorShape.Format(input.Shape)}.");
            for (var d = 0; d < input.Shape.Length; d++)
            {
                Check(
                    d == state.BatchAxis ? input.Shape[d] == TensorShape.Dynamic : input.Shape[d] > 0,
                    d == state.BatchAxis
                        ? $"stream state '{input.Name}' {TensorShape.Format(input.Shape)} has a fixed size on its batch axis {d}."
                        : $"stream state '{input.Name}' {TensorShape.Format(input.Shape)} has a free dimension {d} besides its batch axis: its size is unknown.");
            }
        }

        foreach (var constant in options.Constants)
        {
            var input = Input(signature, constant.Input, "stream constant input");
            Check(used.Add(input.Name), $"input '{input.Name}' is named twice in the stream settings.");
            Check(input.Shape.All(d => d is 1 or TensorShape.Dynamic), $"stream constant '{input.Name}' has shape {TensorShape.Format(input.Shape)}; constants are scalars.");
            Check(input.DataType is TensorDataType.FP32 or TensorDataType.FP64 or TensorDataType.Int32 or TensorDataType.Int64, $"stream constant '{input.Name}' is {input.DataType.ToWireName()}; constants are FP32, FP64, INT32 or INT64.");
        }

        foreach (var input in signature.Inputs)
        {
            Check(used.Contains(input.Name), $"model input '{input.Name}' is neither the stream's chunk, a state nor a constant.");
        }
    }

    /// <summary>A new stream's state: zeros, with one row on each state's batch axis.</summary>
    public static Tensor[] InitialStates(StreamOptions options, ModelSignature signature) =>
        [.. options.States.Select(s =>
        {
            var spec = signature.Inputs.First(i => i.Name == s.Input);
            var shape = (long[])spec.Shape.Clone();
            shape[s.BatchAxis] = 1;
            return new Tensor(s.Input, spec.DataType, shape, new byte[TensorShape.ElementCount(shape) * spec.DataType.ElementSize()]);
        })];

    /// <summary>The constant inputs, as the model declares them (a scalar, or [1] where it has a dimension).</summary>
    public static Tensor[] Constants(StreamOptions options, ModelSignature signature) =>
        [.. options.Constants.Select(c =>
        {
            var spec = signature.Inputs.First(i => i.Name == c.Input);
            var shape = spec.Shape.Select(_ => 1L).ToArray();
            var data = new byte[spec.DataType.ElementSize()];
            switch (spec.DataType)
            {
                case TensorDataType.FP32: BinaryPrimitives.WriteSingleLittleEndian(data, (float)c.Value); break;
                case TensorDataType.FP64: BinaryPrimitives.WriteDoubleLittleEndian(data, c.Value); break;
                case TensorDataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(data, checked((int)c.Value)); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(data, checked((long)c.Value)); break;
            }

            return new Tensor(c.Input, spec.DataType, shape, data);
        })];

    private static TensorSpec Input(ModelSignature signature, string name, string what) =>
        signature.Inputs.FirstOrDefault(i => i.Name == name)
        ?? throw new ArgumentException($"{what} '{name}' is not an input of the model (inputs: {string.Join(", ", signature.Inputs.Select(i => i.Name))}).");

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
