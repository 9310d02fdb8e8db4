namespace Stoke.Engines.Llama.Tests;

/// <summary>The real tiny GGUF the tests run on; its absence is a failure with a clear message, not a skip.</summary>
internal static class TestModel
{
    /// <summary>stories260K in <c>../shared/models/llm</c>, found by walking up from the test's directory.</summary>
    public static string DefaultPath => Stoke.Samples.SharedModels.TryFind(out var dir)
        ? System.IO.Path.Combine(dir, "llm", "stories260K.gguf")
        : "../shared/models/llm/stories260K.gguf";

    public static string Path
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("STOKE_TEST_LLM") ?? DefaultPath;
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"Test model '{path}' is missing: the LLM engine tests need stories260K.gguf in ../shared/models/llm beside the repository (or STOKE_TEST_LLM pointing at a GGUF).");
            }

            return path;
        }
    }
}

/// <summary>One loaded copy of the test model for all tests in the collection.</summary>
public sealed class ModelFixture : IDisposable
{
    public ModelFixture() => Model = LlamaModel.Load(TestModel.Path);

    public LlamaModel Model { get; }

    public void Dispose() => Model.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ModelCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "stories260K";
}
