using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Stoke.Engines.Llama;

/// <summary>
/// Loaded GGUF weights, shared by the engines (contexts) created over them. Records how long the load took,
/// so a cold start can be attributed to its artifact tier. Dispose the engines over it before the model.
/// </summary>
public sealed class LlamaModel : IDisposable
{
    /// <summary>GGUF metadata key that holds the model's Jinja chat template.</summary>
    public const string ChatTemplateMetadataKey = "tokenizer.chat_template";

    private LlamaModel(string path, LLamaWeights weights, TimeSpan loadTime, long sizeBytes)
    {
        Path = path;
        Weights = weights;
        LoadTime = loadTime;
        SizeBytes = sizeBytes;
        ChatTemplate = ChatTemplate.For(weights);
    }

    /// <summary>The file the weights came from.</summary>
    public string Path { get; }

    /// <summary>Wall time of <see cref="Load"/>: reading or mapping the file and building the tensors.</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>Size of the GGUF file in bytes.</summary>
    public long SizeBytes { get; }

    /// <summary>The context length the model was trained with: the longest window one sequence may use.</summary>
    public int TrainedContextSize => checked((int)Weights.ContextSize);

    /// <summary>Number of tokens in the vocabulary.</summary>
    public int VocabSize => Weights.Vocab.Count;

    /// <summary>True when the GGUF carries a chat template; otherwise <see cref="ChatTemplate"/> uses the fallback.</summary>
    public bool HasChatTemplate => ChatTemplate.FromModel;

    /// <summary>Renders chat messages into a prompt for this model.</summary>
    public ChatTemplate ChatTemplate { get; }

    internal LLamaWeights Weights { get; }

    /// <summary>Loads a GGUF file. Throws <see cref="Abstractions.Engines.InvalidModelException"/> when it is not one.</summary>
    public static LlamaModel Load(string path, LlamaModelOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new LlamaModelOptions();
        timeProvider ??= TimeProvider.System;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"GGUF model file '{path}' does not exist.", path);
        }

        NativeLogging.EnsureQuiet();
        var parameters = new ModelParams(path)
        {
            LoadMode = options.LoadMode,
            GpuLayerCount = options.GpuLayerCount,
        };

        var started = timeProvider.GetTimestamp();
        LLamaWeights weights;
        try
        {
            weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (Exception e) when (e is LLama.Exceptions.LoadWeightsFailedException or LLama.Exceptions.RuntimeError)
        {
            throw new Abstractions.Engines.InvalidModelException($"'{path}' is not a GGUF model llama.cpp can load.", e);
        }

        var elapsed = timeProvider.GetElapsedTime(started);
        return new LlamaModel(path, weights, elapsed, new FileInfo(path).Length);
    }

    /// <summary>Number of tokens <paramref name="text"/> takes as a prompt (with the model's BOS when it adds one).</summary>
    public int CountTokens(string text) => Tokenize(text).Length;

    internal LLamaToken[] Tokenize(string text) =>
        Weights.Tokenize(text, add_bos: Weights.Vocab.ShouldAddBOS, special: true, Encoding.UTF8);

    public void Dispose() => Weights.Dispose();
}
