using System.Buffers;
using BenchmarkDotNet.Attributes;
using Stoke.Abstractions.Tensors;
using Stoke.Benchmarks.Support;
using Stoke.OpenInference;

namespace Stoke.Benchmarks.Micro;

/// <summary>
/// The gateway's codec work for one MiniLM request of 8 tokens: reading the request (JSON or the binary extension)
/// and writing the [1,8,384] FP32 response (JSON numbers or binary).
/// </summary>
[MemoryDiagnoser]
public class OipCodecBenchmarks
{
    private readonly MiniLmInputs _input = new(8);
    private readonly ArrayBufferWriter<byte> _buffer = new(64 << 10);
    private InferenceResult _result = null!;
    private OipInferRequest _jsonRequest = null!;
    private OipInferRequest _binaryRequest = null!;
    private float[] _floats = null!;

    [GlobalSetup]
    public void Setup()
    {
        var values = new byte[8 * 384 * 4];
        for (var i = 0; i < 8 * 384; i++)
        {
            BitConverter.TryWriteBytes(values.AsSpan(i * 4), MathF.Sin(i * 0.37f));
        }

        _floats = [.. Enumerable.Range(0, 8 * 384).Select(i => MathF.Sin(i * 0.37f))];
        _result = new InferenceResult([new Tensor(MiniLmInputs.OutputName, TensorDataType.FP32, [1, 8, 384], values)]);
        _jsonRequest = OipRequestReader.Read(_input.Json);
        _binaryRequest = OipRequestReader.Read(_input.BinaryBody, _input.BinaryHeaderLength);
    }

    [Benchmark(Baseline = true)]
    public OipInferRequest ReadJsonRequest() => OipRequestReader.Read(_input.Json);

    [Benchmark]
    public OipInferRequest ReadBinaryRequest() => OipRequestReader.Read(_input.BinaryBody, _input.BinaryHeaderLength);

    [Benchmark]
    public int WriteJsonResponse()
    {
        _buffer.ResetWrittenCount();
        OipResponseWriter.Write(_buffer, _result, "minilm", "1", null, _jsonRequest);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int WriteBinaryResponse()
    {
        _buffer.ResetWrittenCount();
        OipResponseWriter.Write(_buffer, _result, "minilm", "1", null, _binaryRequest);
        return _buffer.WrittenCount;
    }

    // The response's 3,072 floats as text, the way the writer formatted them before (one WriteNumberValue each) and
    // the way it does now (ShortestSingle into one buffer, the same bytes): the formatting's share of WriteJsonResponse.
    [Benchmark]
    public int FormatFloatsWithUtf8JsonWriter()
    {
        _buffer.ResetWrittenCount();
        using var writer = new System.Text.Json.Utf8JsonWriter(_buffer);
        writer.WriteStartArray();
        foreach (var f in _floats)
        {
            writer.WriteNumberValue(f);
        }

        writer.WriteEndArray();
        writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int FormatFloatsWithShortestSingle()
    {
        _buffer.ResetWrittenCount();
        var text = _buffer.GetSpan(_floats.Length * (ShortestSingle.MaxLength + 1));
        var n = 0;
        foreach (var f in _floats)
        {
            n += ShortestSingle.Write(f, text[n..]);
            text[n++] = (byte)',';
        }

        _buffer.Advance(n);
        return n;
    }
}
