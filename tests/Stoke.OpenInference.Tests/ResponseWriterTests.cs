using System.Buffers;
using System.Text.Json;
using Stoke.Abstractions.Tensors;
using static Stoke.OpenInference.Tests.TestTensors;

namespace Stoke.OpenInference.Tests;

public class ResponseWriterTests
{
    /// <summary>One tensor of every datatype, with edge values (limits, NaN, subnormals, unicode).</summary>
    public static TheoryData<string> DataTypes => new(Samples.Keys);

    private static readonly Dictionary<string, Tensor> Samples = new()
    {
        ["BOOL"] = new Tensor("t", TensorDataType.Bool, [2, 2], [1, 0, 0, 1]),
        ["UINT8"] = Of("t", TensorDataType.UInt8, [3], (byte)0, (byte)7, byte.MaxValue),
        ["INT8"] = Of("t", TensorDataType.Int8, [2], sbyte.MinValue, sbyte.MaxValue),
        ["UINT16"] = Of("t", TensorDataType.UInt16, [2], (ushort)1, ushort.MaxValue),
        ["INT16"] = Of("t", TensorDataType.Int16, [2], short.MinValue, short.MaxValue),
        ["UINT32"] = Of("t", TensorDataType.UInt32, [2], 0u, uint.MaxValue),
        ["INT32"] = Of("t", TensorDataType.Int32, [2, 1], int.MinValue, int.MaxValue),
        ["UINT64"] = Of("t", TensorDataType.UInt64, [1], ulong.MaxValue),
        ["INT64"] = Of("t", TensorDataType.Int64, [3], long.MinValue, 0L, long.MaxValue),
        ["FP16"] = Of("t", TensorDataType.FP16, [6], (Half)0.1, Half.MaxValue, Half.Epsilon, Half.NaN, Half.NegativeInfinity, (Half)(-1.5)),
        ["FP32"] = Of("t", TensorDataType.FP32, [6], 0.1f, float.MaxValue, float.Epsilon, float.NaN, float.PositiveInfinity, 1f / 3),
        ["FP64"] = Of("t", TensorDataType.FP64, [5], 0.1, double.MaxValue, double.Epsilon, double.NegativeInfinity, 1.0 / 3),
        ["BYTES"] = Strings("t", [3], "héllo", "", "quote\" and \\ and \n"),
    };

    [Theory]
    [MemberData(nameof(DataTypes))]
    public void JsonResponseRoundTripsEveryDatatype(string datatype)
    {
        var tensor = Samples[datatype];
        var body = WriteResponse(new InferenceResult([tensor]), null, out var headerLength);

        var back = Assert.Single(ResponseAsRequest(body, headerLength).Request.Inputs);

        Assert.Null(headerLength);
        AssertSameTensor(tensor, back);
    }

    [Theory]
    [MemberData(nameof(DataTypes))]
    public void BinaryResponseRoundTripsEveryDatatype(string datatype)
    {
        var tensor = Samples[datatype];
        var request = Parse("""{"inputs":[],"parameters":{"binary_data_output":true}}""");
        var body = WriteResponse(new InferenceResult([tensor]), request, out var headerLength);

        var back = Assert.Single(ResponseAsRequest(body, headerLength).Request.Inputs);

        Assert.Equal(body.Length - tensor.Data.Length, headerLength);
        AssertSameTensor(tensor, back);
    }

    private static void AssertSameTensor(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Data, actual.Data);
    }

    [Fact]
    public void Fp32ValuesRoundTripThroughJsonBitForBit()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 10_000).Select(_ => BitConverter.Int32BitsToSingle(random.Next())).Where(float.IsFinite).ToArray();
        var tensor = Of("t", TensorDataType.FP32, [values.Length], values);

        var body = WriteResponse(new InferenceResult([tensor]), null, out var headerLength);

        Assert.Equal(tensor.Data, ResponseAsRequest(body, headerLength).Request.Inputs[0].Data);
    }

    [Fact]
    public void WritesTheSpecsEnvelopeWithFlatData()
    {
        var body = WriteResponse(new InferenceResult([Of("out", TensorDataType.Int32, [2, 2], 1, 2, 3, 4)]), null, out _);

        var json = Json(body);
        Assert.Equal("m", json.GetProperty("model_name").GetString());
        Assert.Equal("1", json.GetProperty("model_version").GetString());
        Assert.Equal("req-1", json.GetProperty("id").GetString());
        var output = json.GetProperty("outputs")[0];
        Assert.Equal("INT32", output.GetProperty("datatype").GetString());
        Assert.Equal("[2,2]", output.GetProperty("shape").GetRawText());
        Assert.Equal("[1,2,3,4]", output.GetProperty("data").GetRawText());
    }

    [Fact]
    public void LeavesOutVersionAndIdWhenThereAreNone()
    {
        var buffer = new ArrayBufferWriter<byte>();
        OipResponseWriter.Write(buffer, new InferenceResult([]), "m", null, null);

        Assert.Equal("""{"model_name":"m","outputs":[]}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void OnlyRequestedOutputsAreWritten()
    {
        var request = Parse("""{"inputs":[],"outputs":[{"name":"b"}]}""");
        var result = new InferenceResult([Of("a", TensorDataType.Int8, [1], (sbyte)1), Of("b", TensorDataType.Int8, [1], (sbyte)2)]);

        var outputs = Json(WriteResponse(result, request, out _)).GetProperty("outputs");

        Assert.Equal("b", Assert.Single(outputs.EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public void OnlyOutputsAskedAsBinaryGoToTheTail()
    {
        var request = Parse("""{"inputs":[],"outputs":[{"name":"a"},{"name":"b","parameters":{"binary_data":true}}]}""");
        var a = Of("a", TensorDataType.FP32, [2], 1f, 2f);
        var b = Of("b", TensorDataType.FP32, [3], 3f, 4f, 5f);

        var body = WriteResponse(new InferenceResult([a, b]), request, out var headerLength);

        var outputs = Json(body, headerLength).GetProperty("outputs");
        Assert.Equal("[1,2]", outputs[0].GetProperty("data").GetRawText());
        Assert.False(outputs[1].TryGetProperty("data", out _));
        Assert.Equal(12, outputs[1].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal(b.Data, body[headerLength!.Value..]);
    }

    [Fact]
    public void NonUtf8BytesCannotBeWrittenAsJson()
    {
        var tensor = new Tensor("raw", TensorDataType.Bytes, [1], EncodeBytes([0xff, 0xfe]));

        var ex = Assert.Throws<OipException>(() => WriteResponse(new InferenceResult([tensor]), null, out _));

        Assert.Contains("output 'raw' holds bytes that are not UTF-8 text", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedOutputDataIsAServerError()
    {
        var tensor = new Tensor("o", TensorDataType.FP32, [1], [1, 2, 3]);

        Assert.Equal(500, Assert.Throws<OipException>(() => WriteResponse(new InferenceResult([tensor]), null, out _)).StatusCode);
    }

    [Fact]
    public void WritesAMillionFloats()
    {
        var values = Enumerable.Range(0, 1_000_000).Select(i => i / 7f).ToArray();
        var tensor = Of("big", TensorDataType.FP32, [1000, 1000], values);

        var body = WriteResponse(new InferenceResult([tensor]), null, out var headerLength);

        Assert.Equal(tensor.Data, ResponseAsRequest(body, headerLength).Request.Inputs[0].Data);
    }

    [Fact]
    public void ResponseIsValidJson()
    {
        var body = WriteResponse(new InferenceResult([Samples["BYTES"], Samples["FP64"]]), null, out _);

        using var doc = JsonDocument.Parse(body);
        Assert.Equal(2, doc.RootElement.GetProperty("outputs").GetArrayLength());
    }
}
