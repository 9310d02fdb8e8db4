using Stoke.Abstractions.Tensors;

namespace Stoke.Abstractions.Engines;

/// <summary>Turns artifact bytes into runnable sessions. Engines know nothing of HTTP, Orleans or policies.</summary>
public interface IInferenceEngine
{
    /// <summary>The engine's name as written in a function spec (<c>onnx</c>, <c>llama</c>).</summary>
    string Name { get; }

    /// <summary>Loads a session; throws <see cref="InvalidModelException"/> when the bytes are not a model this engine runs.</summary>
    IModelSession Load(byte[] artifact, EngineLoadOptions options);
}

/// <summary>Engine settings for one session.</summary>
public sealed record EngineLoadOptions
{
    /// <summary>Threads one engine call may use (0: the engine's default).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Let the engine's worker threads spin between calls: lower latency on dedicated cores, but they take
    /// CPU from the gateway when cores are shared.</summary>
    public bool AllowSpinning { get; init; }

    /// <summary>SHA-256 of the artifact when known (engines that stage files name them by it).</summary>
    public string? ArtifactSha256 { get; init; }

    /// <summary>A file holding the same bytes (the verified repository file); engines that load from a path may use it instead of staging a copy.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Generative engines: most sequences decoded together (0: the engine's default).</summary>
    public int MaxSequences { get; init; }

    /// <summary>Generative engines: longest prompt plus output of one sequence (0: the model's trained context).</summary>
    public int ContextWindow { get; init; }

    /// <summary>The instance the session is for (for the engine's logs); null for a load that only reads the signature.</summary>
    public string? InstanceId { get; init; }
}

/// <summary>One loaded model. <see cref="Run"/> may be called from several threads at once.</summary>
public interface IModelSession : IDisposable
{
    ModelSignature Signature { get; }

    /// <summary>Runs the model; <paramref name="outputs"/> null means all outputs.</summary>
    Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs);
}

/// <summary>The artifact is not a model the engine can load (corrupt, truncated, wrong format).</summary>
public sealed class InvalidModelException(string message, Exception? inner = null) : Exception(message, inner);
