using Stoke.Abstractions.Engines;
using Stoke.Engines.Onnx.Embeddings;
using Stoke.Samples;

namespace Stoke.Engines.Onnx.Tests.Support;

/// <summary>One MiniLM session and embedder shared by the tests that need them (loading takes about a second).</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        Model = SampleModels.MiniLm;
        Session = new OnnxEngine().Load(File.ReadAllBytes(Model.ModelPath), new EngineLoadOptions { IntraOpThreads = 2 });
        Embedder = new SentenceEmbedder(Model.VocabPath!, Session.Signature);
    }

    public SampleModel Model { get; }

    public IModelSession Session { get; }

    public SentenceEmbedder Embedder { get; }

    public void Dispose() => Session.Dispose();
}

/// <summary>Test classes in this collection share one <see cref="MiniLmFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}
