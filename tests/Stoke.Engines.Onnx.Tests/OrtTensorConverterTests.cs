using System.Buffers.Binary;
using System.Text;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx.Tests.Support;

namespace Stoke.Engines.Onnx.Tests;

/// <summary>
/// Raw-tensor conversion for every element type. No sample model takes FP16, BOOL, BYTES or INT32, so these run
/// hand-written Identity/Not models through real ONNX Runtime, plus the converter on its own.
/// </summary>
public sealed class OrtTensorConverterTests
{
    public static TheoryData<TensorDataType> AllTypes() => new(Enum.GetValues<TensorDataType>());

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void IdentityModelSignatureAndRunPreserveEveryElementType(TensorDataType type)
    {
        var onnxType = (int)OrtElementTypes.ToElementType(type);
        using var session = new OnnxEngine().Load(
            OnnxModelWriter.Build(new OnnxModelWriter.Node("Identity", "x", onnxType, ["n", "2"])),
            new EngineLoadOptions());
        var input = Sample(type, "x", rows: 3);

        var output = Assert.Single(session.Run([input], null));

        var spec = Assert.Single(session.Signature.Inputs);
        Assert.Equal(type, spec.DataType);
        Assert.Equal([TensorShape.Dynamic, 2], spec.Shape);
        Assert.Equal(type, session.Signature.Outputs[0].DataType);
        Assert.Equal("x_out", output.Name);
        Assert.Equal(type, output.DataType);
        Assert.Equal(input.Shape, output.Shape);
        Assert.Equal(input.Data, output.Data);
    }

    [Fact]
    public void BoolValuesReachTheModelAsBooleans()
    {
        using var session = new OnnxEngine().Load(
            OnnxModelWriter.Build(new OnnxModelWriter.Node("Not", "b", 9, ["4"])), new EngineLoadOptions());

        // 2 is not a valid ONNX bool; the converter normalises any non-zero byte to true.
        var output = session.Run([new Tensor("b", TensorDataType.Bool, [4], [0, 1, 2, 0])], null)[0];

        Assert.Equal(new byte[] { 1, 0, 0, 1 }, output.Data);
    }

    [Theory]
    [InlineData(TensorDataType.FP16)]
    [InlineData(TensorDataType.Bool)]
    [InlineData(TensorDataType.Bytes)]
    [InlineData(TensorDataType.Int32)]
    [InlineData(TensorDataType.Int64)]
    [InlineData(TensorDataType.FP64)]
    public void ConverterRoundTripsRawTensorsWithoutAModel(TensorDataType type)
    {
        var input = Sample(type, "t", rows: 2);

        using var pinned = OrtTensorConverter.ToOrtValue(input);
        var back = OrtTensorConverter.FromOrtValue("t", pinned.Value);

        Assert.Equal(type, back.DataType);
        Assert.Equal(input.Shape, back.Shape);
        Assert.Equal(input.Data, back.Data);
    }

    [Fact]
    public void Fp16ElementsKeepTheirValues()
    {
        Half[] values = [(Half)1.5f, (Half)(-2.25f), Half.MaxValue, Half.Epsilon];
        var input = new Tensor("h", TensorDataType.FP16, [4], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

        using var pinned = OrtTensorConverter.ToOrtValue(input);

        Assert.Equal(values, pinned.Value.GetTensorDataAsSpan<Microsoft.ML.OnnxRuntime.Float16>().ToArray().Select(f => (Half)(float)f.ToFloat()));
    }

    [Fact]
    public void BytesElementsBecomeOnnxStrings()
    {
        var input = Strings("s", "héllo", string.Empty, "wörld");

        using var pinned = OrtTensorConverter.ToOrtValue(input);

        Assert.Equal(["héllo", string.Empty, "wörld"], pinned.Value.GetStringTensorAsArray());
    }

    [Fact]
    public void BytesWithALengthPastTheEndAreRejected()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(data, 100);

        Assert.Throws<ArgumentException>(() => OrtTensorConverter.ToOrtValue(new Tensor("s", TensorDataType.Bytes, [1], data)));
    }

    [Fact]
    public void BytesWithTrailingDataAreRejected()
    {
        var input = Strings("s", "a");

        Assert.Throws<ArgumentException>(() => OrtTensorConverter.ToOrtValue(input with { Data = [.. input.Data, 0] }));
    }

    [Fact]
    public void EmptyTensorsConvert()
    {
        var input = new Tensor("e", TensorDataType.FP32, [0, 4], []);

        using var pinned = OrtTensorConverter.ToOrtValue(input);
        var back = OrtTensorConverter.FromOrtValue("e", pinned.Value);

        Assert.Equal([0, 4], back.Shape);
        Assert.Empty(back.Data);
    }

    /// <summary>A [rows, 2] tensor of distinct, type-appropriate values.</summary>
    private static Tensor Sample(TensorDataType type, string name, int rows)
    {
        var count = rows * 2;
        if (type == TensorDataType.Bytes)
        {
            return Strings(name, [.. Enumerable.Range(0, count).Select(i => new string('x', i) + "ü" + i)]) with { Shape = [rows, 2] };
        }

        var data = new byte[count * type.ElementSize()];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((i * 37) + 11);
        }

        if (type == TensorDataType.Bool)
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (byte)(i % 3 == 0 ? 1 : 0);
            }
        }
        else if (type is TensorDataType.FP16 or TensorDataType.FP32 or TensorDataType.FP64)
        {
            // Real numbers (not NaN bit patterns, which need not survive a copy bit for bit).
            for (var i = 0; i < count; i++)
            {
                var value = (i * 0.75) - 2;
                var slot = data.AsSpan(i * type.ElementSize());
                switch (type)
                {
                    case TensorDataType.FP16: BinaryPrimitives.WriteHalfLittleEndian(slot, (Half)value); break;
                    case TensorDataType.FP32: BinaryPrimitives.WriteSingleLittleEndian(slot, (float)value); break;
                    default: BinaryPrimitives.WriteDoubleLittleEndian(slot, value); break;
                }
            }
        }

        return new Tensor(name, type, [rows, 2], data);
    }

    private static Tensor Strings(string name, params string[] values)
    {
        using var stream = new MemoryStream();
        foreach (var value in values)
        {
            var utf8 = Encoding.UTF8.GetBytes(value);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
            stream.Write(length);
            stream.Write(utf8);
        }

        return new Tensor(name, TensorDataType.Bytes, [values.Length], stream.ToArray());
    }
}
