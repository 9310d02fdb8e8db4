using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx;

namespace Stoke.Benchmarks.Support;

/// <summary>
/// The baseline: MiniLM loaded by the same engine code the node uses (<see cref="OnnxEngine"/>, same options) and
/// called in this process, so the difference to HTTP is the serving path alone.
/// </summary>
internal sealed class DirectSession : IDisposable
{
    private readonly IModelSession _session;
    private readonly string[] _outputs = [MiniLmInputs.OutputName];

    public DirectSession(byte[] model, int intraOpThreads, bool spinning = false)
    {
        _session = new OnnxEngine().Load(model, Options(intraOpThreads, spinning));
    }

    /// <summary>The engine options the node passes for the same settings.</summary>
    public static EngineLoadOptions Options(int intraOpThreads, bool spinning = false) =>
        new() { IntraOpThreads = intraOpThreads, AllowSpinning = spinning };

    /// <summary>One call as an in-process caller makes it: raw tensors in, the output tensor out.</summary>
    public Tensor Run(MiniLmInputs input) => _session.Run(input.ToTensors(), _outputs)[0];

    public void Dispose() => _session.Dispose();
}
