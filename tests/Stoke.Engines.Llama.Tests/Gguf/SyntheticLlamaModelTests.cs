using Stoke.Engines.Llama.Gguf;

namespace Stoke.Engines.Llama.Tests.Gguf;

public sealed class SyntheticLlamaModelTests : IDisposable
{
    private static readonly SyntheticLlamaShape Tiny = new() { EmbeddingLength = 64, Layers = 2, Heads = 4, KvHeads = 2, ContextLength = 256 };

    private readonly string directory = Path.Combine(Path.GetTempPath(), "stoke-gguf-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task LlamaCppLoadsTheSyntheticModelAndGeneratesTheRequestedTokens()
    {
        var path = SyntheticLlamaModel.GetOrCreate(directory, TestModel.Path, Tiny, seed: 1);
        using var model = LlamaModel.Load(path);
        await using var engine = new ContinuousBatchingEngine(model, new LlamaEngineOptions { Threads = 1, ContextWindow = 128, MaxSequences = 2 });

        var (_, final) = await engine.CollectAsync(
            new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 24, Seed = 3, IgnoreEndOfGeneration = true });

        Assert.Equal(24, final.Usage.CompletionTokens);
    }

    [Fact]
    public void CopiesTheTokenizerAndWritesTheShape()
    {
        var path = SyntheticLlamaModel.GetOrCreate(directory, TestModel.Path, Tiny, seed: 1);
        var source = GgufFile.Read(TestModel.Path);

        var file = GgufFile.Read(path);

        Assert.Equal(
            source.Metadata.Where(kv => kv.Key.StartsWith("tokenizer.", StringComparison.Ordinal)).Select(kv => (kv.Key, kv.Value.Type)),
            file.Metadata.Where(kv => kv.Key.StartsWith("tokenizer.", StringComparison.Ordinal)).Select(kv => (kv.Key, kv.Value.Type)));
        Assert.Equal(64u, file["llama.embedding_length"].Value);
        Assert.Equal(3 + 9 * Tiny.Layers, file.Tensors.Count); // token_embd, output_norm, output, then 9 per layer
    }

    [Fact]
    public void SameShapeAndSeedGiveTheSameBytes()
    {
        var a = Path.Combine(directory, "a.gguf");
        var b = Path.Combine(directory, "b.gguf");
        Directory.CreateDirectory(directory);

        SyntheticLlamaModel.Write(a, TestModel.Path, Tiny with { WeightType = GgmlType.Q8_0 }, seed: 5);
        SyntheticLlamaModel.Write(b, TestModel.Path, Tiny with { WeightType = GgmlType.Q8_0 }, seed: 5);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
