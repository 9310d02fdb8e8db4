using System.Security.Cryptography;
using Stoke.Abstractions.Engines;

namespace Stoke.Engines.Llama;

/// <summary>
/// The <c>llama</c> engine for the node runtime: GGUF bytes in, a <see cref="LlamaSession"/> (a continuous-batching
/// engine over the loaded weights) out. llama.cpp loads from a path, so the bytes are staged as a file in the node's
/// RAM-backed memory tier (<see cref="ModelFileTiers"/>), unless the caller names a verified file holding them. A
/// staged copy is deleted with the last session loaded from it, and all of them with the engine
/// (<see cref="StagedModelFiles"/>).
/// </summary>
public sealed class LlamaInferenceEngine : IInferenceEngine, IDisposable
{
    /// <summary>The engine's name in a function spec.</summary>
    public const string EngineName = "llama";

    private readonly TimeProvider _time;
    private readonly StagedModelFiles _staged;

    public LlamaInferenceEngine(TimeProvider time, string? stagingDirectory = null)
    {
        _time = time;
        _staged = new StagedModelFiles(stagingDirectory ?? ModelFileTiers.DefaultMemoryTierDirectory);
    }

    /// <summary>The copies this engine staged in the memory tier.</summary>
    public StagedModelFiles Staged => _staged;

    public string Name => EngineName;

    public IModelSession Load(byte[] artifact, EngineLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(options);
        IDisposable? lease = null;
        var staged = options.SourcePath is { } source && File.Exists(source) ? source : Stage(artifact, options.ArtifactSha256, out lease);
        LlamaModel model;
        try
        {
            model = LlamaModel.Load(staged, timeProvider: _time);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }

        try
        {
            var engine = new ContinuousBatchingEngine(model, new LlamaEngineOptions
            {
                MaxSequences = options.MaxSequences > 0 ? options.MaxSequences : 8,
                ContextWindow = options.ContextWindow > 0 ? Math.Min(options.ContextWindow, model.TrainedContextSize) : 0,
                // llama.cpp's threads spin-wait for each other every step: given every core of a node that also serves
                // HTTP they stall (seconds per token when the cores are busy), so by default take half of them.
                Threads = options.IntraOpThreads > 0 ? options.IntraOpThreads : Math.Max(1, Environment.ProcessorCount / 2),
                // Per-slot KV windows: attention stays per sequence, which is what makes batching pay on a CPU.
                UnifiedKvCache = false,
                // llama.cpp's CPU flash-attention kernel was 2x slower here (docs/llm-benchmarks.md); the plain path wins on CPU nodes.
                FlashAttention = false,
            }, _time);
            return new LlamaSession(model, engine, lease);
        }
        catch
        {
            model.Dispose();
            lease?.Dispose();
            throw;
        }
    }

    /// <summary>Deletes every copy this engine staged (node shutdown).</summary>
    public void Dispose() => _staged.Dispose();

    // The memory tier of a GGUF is a file in tmpfs named by the bytes' hash, so instances of one artifact share it.
    private string Stage(byte[] artifact, string? sha256, out IDisposable lease)
    {
        if (artifact.Length < 4 || artifact[0] != (byte)'G' || artifact[1] != (byte)'G' || artifact[2] != (byte)'U' || artifact[3] != (byte)'F')
        {
            throw new InvalidModelException("The file is not a GGUF model (it does not start with 'GGUF').");
        }

        sha256 ??= Convert.ToHexStringLower(SHA256.HashData(artifact));
        lease = _staged.Stage(artifact, sha256, out var path);
        return path;
    }
}
