using Microsoft.ML.OnnxRuntime;
using Stoke.Abstractions.Engines;

namespace Stoke.Engines.Onnx;

/// <summary>Runs ONNX models with ONNX Runtime on the CPU; sessions are built from artifact bytes held in memory.</summary>
public sealed class OnnxEngine : IInferenceEngine
{
    /// <summary>The engine name used in function specs.</summary>
    public const string EngineName = "onnx";

    /// <inheritdoc />
    public string Name => EngineName;

    /// <inheritdoc />
    public IModelSession Load(byte[] artifact, EngineLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(options);
        if (artifact.Length == 0)
        {
            throw new InvalidModelException("The ONNX artifact is empty.");
        }

        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        }

        // ONNX Runtime's pool threads spin after each run by default; on a node that also serves HTTP they take the
        // cores the gateway needs to answer (BENCHMARKS.md, serving overhead), so spinning is opt-in.
        var spin = options.AllowSpinning ? "1" : "0";
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", spin);
        sessionOptions.AddSessionConfigEntry("session.inter_op.allow_spinning", spin);

        InferenceSession session;
        try
        {
            session = new InferenceSession(artifact, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidModelException($"ONNX Runtime cannot load the {artifact.Length}-byte artifact: {ex.Message}", ex);
        }

        try
        {
            return new OnnxModelSession(session, artifact.LongLength);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
