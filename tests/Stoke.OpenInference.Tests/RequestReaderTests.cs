using System.Runtime.InteropServices;
using Stoke.Abstractions.Tensors;
using static Stoke.OpenInference.Tests.TestTensors;

namespace Stoke.OpenInference.Tests;

public class RequestReaderTests
{
    private static T[] Values<T>(Tensor t)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(t.Data).ToArray();

    [Fact]
    public void ReadsIdInputsAndShape()
    {
        var r = Parse("""{"id":"42","inputs":[{"name":"input0","shape":[2,2],"datatype":"UINT32","data":[1,2,3,4]}]}""");

        var input = Assert.Single(r.Request.Inputs);
        Assert.Equal("42", r.Request.Id);
        Assert.Equal(("input0", TensorDataType.UInt32), (input.Name, input.DataType));
        Assert.Equal([2L, 2L], input.Shape);
        Assert.Equal([1u, 2u, 3u, 4u], Values<uint>(input));
    }

    [Fact]
    public void ReadsBoolAsOneByteElements() =>
        Assert.Equal([1, 0, 1], Parse(Body("BOOL", "[3]", "[true,false,true]")).Request.Inputs[0].Data);

    [Fact]
    public void ReadsEveryIntegerTypeAtItsLimits()
    {
        Assert.Equal([0, 255], Parse(Body("UINT8", "[2]", "[0,255]")).Request.Inputs[0].Data);
        Assert.Equal([(sbyte)-128, (sbyte)127], Values<sbyte>(Parse(Body("INT8", "[2]", "[-128,127]")).Request.Inputs[0]));
        Assert.Equal([(ushort)0, ushort.MaxValue], Values<ushort>(Parse(Body("UINT16", "[2]", "[0,65535]")).Request.Inputs[0]));
        Assert.Equal([short.MinValue, short.MaxValue], Values<short>(Parse(Body("INT16", "[2]", "[-32768,32767]")).Request.Inputs[0]));
        Assert.Equal([int.MinValue, int.MaxValue], Values<int>(Parse(Body("INT32", "[2]", "[-2147483648,2147483647]")).Request.Inputs[0]));
        Assert.Equal([long.MinValue, long.MaxValue], Values<long>(Parse(Body("INT64", "[2]", "[-9223372036854775808,9223372036854775807]")).Request.Inputs[0]));
        Assert.Equal([ulong.MaxValue], Values<ulong>(Parse(Body("UINT64", "[1]", "[18446744073709551615]")).Request.Inputs[0]));
    }

    [Fact]
    public void ReadsFloatsExactly()
    {
        Assert.Equal([0.1f, -3.4e38f, 1e-45f], Values<float>(Parse(Body("FP32", "[3]", "[0.1,-3.4e38,1e-45]")).Request.Inputs[0]));
        Assert.Equal([0.1, double.MaxValue], Values<double>(Parse(Body("FP64", "[2]", "[0.1,1.7976931348623157e308]")).Request.Inputs[0]));
        Assert.Equal([(Half)0.5, (Half)(-65504), (Half)0.1], Values<Half>(Parse(Body("FP16", "[3]", "[0.5,-65504,0.1]")).Request.Inputs[0]));
    }

    [Fact]
    public void ReadsNonFiniteFloatsFromTheirNames() =>
        Assert.Equal(
            [float.NaN, float.PositiveInfinity, float.NegativeInfinity],
            Values<float>(Parse(Body("FP32", "[3]", """["NaN","Infinity","-Infinity"]""")).Request.Inputs[0]));

    [Fact]
    public void ReadsBytesAsLengthPrefixedElements()
    {
        var input = Parse(Body("BYTES", "[3]", """["ab","","h\u00e9\n"]""")).Request.Inputs[0];
        Assert.Equal(EncodeBytes("ab"u8.ToArray(), [], "hé\n"u8.ToArray()), input.Data);
    }

    [Fact]
    public void NestedDataIsFlattenedRowMajor()
    {
        var nested = Parse(Body("INT32", "[2,3]", "[[1,2,3],[4,5,6]]")).Request.Inputs[0];
        var flat = Parse(Body("INT32", "[2,3]", "[1,2,3,4,5,6]")).Request.Inputs[0];
        Assert.Equal(flat.Data, nested.Data);
        Assert.Equal([1, 2, 3, 4, 5, 6], Values<int>(nested));
    }

    [Fact]
    public void NestedBytesAreFlattenedToo() =>
        Assert.Equal(
            Parse(Body("BYTES", "[2,2]", """["a","b","c","d"]""")).Request.Inputs[0].Data,
            Parse(Body("BYTES", "[2,2]", """[["a","b"],["c","d"]]""")).Request.Inputs[0].Data);

    [Fact]
    public void MembersMayComeInAnyOrder()
    {
        var r = Parse("""{"inputs":[{"data":[[1.5],[2.5]],"datatype":"FP32","shape":[2,1],"name":"late"}],"id":"x"}""");
        Assert.Equal("late", r.Request.Inputs[0].Name);
        Assert.Equal([1.5f, 2.5f], Values<float>(r.Request.Inputs[0]));
    }

    [Fact]
    public void ScalarShapeHoldsOneElement() =>
        Assert.Equal([7L], Values<long>(Parse(Body("INT64", "[]", "[7]")).Request.Inputs[0]));

    [Fact]
    public void UnknownMembersAreIgnored() =>
        Assert.Single(Parse("""{"extra":{"a":[1,{"b":2}]},"inputs":[{"name":"x","shape":[1],"datatype":"INT8","data":[1],"more":true}]}""").Request.Inputs);

    [Fact]
    public void NullOptionalMembersAreTreatedAsAbsent()
    {
        var r = Parse("""{"id":null,"parameters":null,"outputs":null,"inputs":[]}""");
        Assert.Null(r.Request.Id);
        Assert.Null(r.Request.RequestedOutputs);
    }

    [Fact]
    public void RequestedOutputsAreRecordedWithTheirBinaryOption()
    {
        var r = Parse("""{"inputs":[],"outputs":[{"name":"a"},{"name":"b","parameters":{"binary_data":true}}]}""");

        Assert.Equal(["a", "b"], r.Request.RequestedOutputs!);
        Assert.False(r.WantsBinary("a"));
        Assert.True(r.WantsBinary("b"));
        Assert.False(r.Includes("c"));
    }

    [Fact]
    public void NoOutputsMeansAllOutputsAsJson()
    {
        var r = Parse("""{"inputs":[]}""");
        Assert.Null(r.Request.RequestedOutputs);
        Assert.True(r.Includes("anything"));
        Assert.False(r.WantsBinary("anything"));
    }

    [Fact]
    public void BinaryDataOutputParameterMakesEveryOutputBinary()
    {
        var r = Parse("""{"parameters":{"binary_data_output":true,"priority":3,"tag":"t","ratio":0.5},"inputs":[]}""");

        Assert.True(r.WantsBinary("any"));
        Assert.Equal(3L, r.Parameters["priority"]);
        Assert.Equal("t", r.Parameters["tag"]);
        Assert.Equal(0.5, r.Parameters["ratio"]);
    }

    [Fact]
    public void ParsesAMillionFloats()
    {
        const int n = 1_000_000;
        var sb = new System.Text.StringBuilder(n * 8);
        sb.Append("""{"inputs":[{"name":"big","shape":[1000,1000],"datatype":"FP32","data":[""");
        for (var i = 0; i < n; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(i % 1000).Append(".25");
        }

        sb.Append("]}]}");

        var values = Values<float>(Parse(sb.ToString()).Request.Inputs[0]);

        Assert.Equal(n, values.Length);
        Assert.Equal(999.25f, values[999_999]);
        Assert.Equal(123.25f, values[500_123]);
    }
}
