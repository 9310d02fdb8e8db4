using BenchmarkDotNet.Attributes;
using Stoke.Abstractions.Tensors;
using Stoke.Runtime.Instances;

namespace Stoke.Benchmarks.Micro;

/// <summary>
/// The batcher's per-batch CPU work for MiniLM-shaped requests (3 INT64 inputs of 8 tokens, a [1,8,384] FP32 output):
/// batch key, concat of the inputs and split of the outputs.
/// </summary>
[MemoryDiagnoser]
public class TensorBatchingBenchmarks
{
    private IReadOnlyList<Tensor>[] _requests = [];
    private Tensor[] _output = [];
    private long[] _rows = [];

    [Params(16, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int tokens = 8;
        _requests = Enumerable.Range(0, Batch).Select(_ => (IReadOnlyList<Tensor>)
        [
            new Tensor("input_ids", TensorDataType.Int64, [1, tokens], new byte[tokens * 8]),
            new Tensor("attention_mask", TensorDataType.Int64, [1, tokens], new byte[tokens * 8]),
            new Tensor("token_type_ids", TensorDataType.Int64, [1, tokens], new byte[tokens * 8]),
        ]).ToArray();
        _output = [new Tensor("last_hidden_state", TensorDataType.FP32, [Batch, tokens, 384], new byte[Batch * tokens * 384 * 4])];
        _rows = Enumerable.Repeat(1L, Batch).ToArray();
    }

    [Benchmark]
    public int BatchKeys()
    {
        var n = 0;
        foreach (var r in _requests)
        {
            n += TensorBatching.BatchKey(r).Length;
        }

        return n;
    }

    [Benchmark]
    public Tensor[] Concat() => TensorBatching.Concat(_requests);

    [Benchmark]
    public Tensor[][] Split() => TensorBatching.Split(_output, _rows);
}
