using System.Runtime.InteropServices;
using System.Text;
using Stoke.Abstractions.Tensors;
using static Stoke.OpenInference.Tests.TestTensors;

namespace Stoke.OpenInference.Tests;

public class BinaryDataTests
{
    private static byte[] Floats(params float[] v) => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    private static OipException Fails(byte[] body, int? headerLength) =>
        Assert.Throws<OipException>(() => OipRequestReader.Read(body, headerLength));

    [Fact]
    public void InputsTakeTheirBytesFromTheTailInOrder()
    {
        var a = Floats(1f, 2f, 3f, 4f);
        var b = EncodeBytes("hi"u8.ToArray(), [0xff, 0x00]);
        var (body, length) = BinaryBody(
            $$$"""{"inputs":[{"name":"a","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":{{{a.Length}}}}},{"name":"j","shape":[1],"datatype":"INT8","data":[5]},{"name":"b","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":{{{b.Length}}}}}]}""",
            a,
            b);

        var inputs = OipRequestReader.Read(body, length).Request.Inputs;

        Assert.Equal(a, inputs[0].Data);
        Assert.Equal([5], inputs[1].Data);
        Assert.Equal(b, inputs[2].Data);
    }

    [Fact]
    public void TailLongerThanTheDeclaredSizesIsRejected()
    {
        var (body, length) = BinaryBody(
            """{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":4}}]}""",
            Floats(1f, 2f));

        Assert.Contains("add up to 4 bytes but 8 bytes follow", Fails(body, length).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TailShorterThanTheDeclaredSizeIsRejected()
    {
        var (body, length) = BinaryBody(
            """{"inputs":[{"name":"a","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}""",
            Floats(1f));

        Assert.Contains("input 'a': binary_data_size is 8 but only 4 bytes", Fails(body, length).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SizeThatDisagreesWithTheShapeIsRejected()
    {
        var (body, length) = BinaryBody(
            """{"inputs":[{"name":"a","shape":[3],"datatype":"FP32","parameters":{"binary_data_size":8}}]}""",
            Floats(1f, 2f));

        Assert.Contains("binary_data_size is 8 bytes but shape [3] of FP32 needs 12", Fails(body, length).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryBytesWithTheWrongElementCountAreRejected()
    {
        var b = EncodeBytes("x"u8.ToArray());
        var (body, length) = BinaryBody(
            $$$"""{"inputs":[{"name":"s","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":{{{b.Length}}}}}]}""",
            b);

        Assert.Contains("binary data has 1 BYTES elements but shape [2] needs 2", Fails(body, length).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryBytesWhoseLengthRunsPastTheEndAreRejected()
    {
        byte[] b = [10, 0, 0, 0, 1, 2];
        var (body, length) = BinaryBody(
            """{"inputs":[{"name":"s","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":6}}]}""",
            b);

        Assert.Contains("binary BYTES data is malformed", Fails(body, length).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1000)]
    public void HeaderLengthOutsideTheBodyIsRejected(int headerLength)
    {
        var body = Encoding.UTF8.GetBytes("""{"inputs":[]}""");

        Assert.Contains($"Inference-Header-Content-Length is {headerLength} but the body has 13 bytes", Fails(body, headerLength).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinarySizeWithoutTheHeaderIsRejected()
    {
        var body = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"a","shape":[1],"datatype":"INT8","parameters":{"binary_data_size":1}}]}""");

        Assert.Contains("has no Inference-Header-Content-Length header", Fails(body, null).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataAndBinarySizeTogetherAreRejected()
    {
        var (body, length) = BinaryBody(
            """{"inputs":[{"name":"a","shape":[1],"datatype":"INT8","data":[1],"parameters":{"binary_data_size":1}}]}""",
            [1]);

        Assert.Contains("has both 'data' and binary_data_size", Fails(body, length).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderThatCutsTheJsonShortIsABadRequest()
    {
        var (body, _) = BinaryBody("""{"inputs":[]}""", [1, 2]);

        Assert.Equal(400, Fails(body, 5).StatusCode);
    }

    [Fact]
    public void BinaryTensorOfAMillionFloatsIsCopiedIntact()
    {
        var values = Enumerable.Range(0, 1_000_000).Select(i => i * 0.5f).ToArray();
        var raw = Floats(values);
        var (body, length) = BinaryBody(
            $$$"""{"inputs":[{"name":"a","shape":[1000000],"datatype":"FP32","parameters":{"binary_data_size":{{{raw.Length}}}}}]}""",
            raw);

        var input = OipRequestReader.Read(body, length).Request.Inputs[0];

        Assert.Equal(TensorDataType.FP32, input.DataType);
        Assert.Equal(raw, input.Data);
    }
}
