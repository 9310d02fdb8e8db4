using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// The real ONNX engine with a bug: an unexpected exception either when an instance loads (<c>onnx-unloadable</c>;
/// the deploy's own load, which reads the signature, still works) or on every request's run after a normal load and
/// warm-up (<c>onnx-failing</c>). A fault inside the platform that must be answered 500 and logged with its stack.
/// </summary>
public sealed class FailingEngine(bool atLoad) : IInferenceEngine
{
    public const string FailsOnRun = "onnx-failing";
    public const string FailsOnLoad = "onnx-unloadable";
    public const string Fault = "the engine's own bug";
    private readonly OnnxEngine _onnx = new();

    public string Name => atLoad ? FailsOnLoad : FailsOnRun;

    public IModelSession Load(byte[] artifact, EngineLoadOptions options) =>
        atLoad && options.InstanceId is not null ? throw new InvalidOperationException(Fault) : new Session(_onnx.Load(artifact, options));

    private sealed class Session(IModelSession inner) : IModelSession
    {
        private int _runs;

        public ModelSignature Signature => inner.Signature;

        // The first run is the node's warm-up at load; every later one is a request.
        public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs) =>
            Interlocked.Increment(ref _runs) == 1 ? inner.Run(inputs, outputs) : throw new InvalidOperationException(Fault);

        public void Dispose() => inner.Dispose();
    }
}
