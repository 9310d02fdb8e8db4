using Microsoft.ML.OnnxRuntime;

namespace Stoke.Benchmarks.Support;

/// <summary>
/// The baseline: MiniLM on a raw ONNX Runtime <see cref="InferenceSession"/> in this process, built with the options
/// <c>OnnxEngine</c> uses (full graph optimisation, the same intra-op thread count).
/// </summary>
internal sealed class DirectSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly string[] _outputs = [MiniLmInputs.OutputName];

    public DirectSession(byte[] model, int intraOpThreads)
    {
        _session = new InferenceSession(model, Options(intraOpThreads));
    }

    /// <summary>The session options of <c>OnnxEngine.Load</c>.</summary>
    public static SessionOptions Options(int intraOpThreads)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
        }

        return options;
    }

    /// <summary>One call as an in-process caller makes it: wrap the inputs, run, copy the output out.</summary>
    public float[] Run(MiniLmInputs input)
    {
        var values = input.ToOrtValues();
        try
        {
            using var results = _session.Run(_run, MiniLmInputs.InputNames, values, _outputs);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _run.Dispose();
    }
}
