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

    [GlobalSetup]
    public void Setup()
    {
        var values = new byte[8 * 384 * 4];
        for (var i = 0; i < 8 * 384; i++)
        {
            BitConverter.TryWriteBytes(values.AsSpan(i * 4), MathF.Sin(i * 0.37f));
        }

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
}
