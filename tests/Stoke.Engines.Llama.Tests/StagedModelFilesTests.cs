using Stoke.Abstractions.Engines;

namespace Stoke.Engines.Llama.Tests;

/// <summary>The tmpfs copies the engine stages for llama.cpp leave with their sessions, their engine, or their dead process.</summary>
public sealed class StagedModelFilesTests : IDisposable
{
    private readonly string _tier = Directory.CreateTempSubdirectory("stoke-staged-").FullName;
    private readonly byte[] _model = File.ReadAllBytes(TestModel.Path);

    public void Dispose() => Directory.Delete(_tier, recursive: true);

    [Fact]
    public void AStagedCopyIsDeletedWithTheLastSessionLoadedFromIt()
    {
        using var engine = new LlamaInferenceEngine(TimeProvider.System, _tier);
        var first = engine.Load(_model, new EngineLoadOptions { MaxSequences = 1 });
        var second = engine.Load(_model, new EngineLoadOptions { MaxSequences = 1 });
        var staged = Directory.GetFiles(engine.Staged.Folder!, "*.gguf");

        first.Dispose();
        var afterFirst = staged.All(File.Exists);
        second.Dispose();

        Assert.Single(staged);
        Assert.True(afterFirst);
        Assert.False(File.Exists(staged[0]));
    }

    [Fact]
    public void TheEnginesFolderGoesWithTheEngine()
    {
        string folder;
        using (var engine = new LlamaInferenceEngine(TimeProvider.System, _tier))
        {
            using var session = engine.Load(_model, new EngineLoadOptions { MaxSequences = 1 });
            folder = engine.Staged.Folder!;
        }

        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void AFolderLeftByADeadProcessIsDeletedAtStartAndALiveOneIsKept()
    {
        using var live = new StagedModelFiles(_tier);
        using var held = live.Stage(_model, "held", out var heldPath);
        var dead = Path.Combine(_tier, StagedModelFiles.FolderPrefix + "dead");
        Directory.CreateDirectory(dead);
        File.WriteAllBytes(Path.Combine(dead, ".owner.lock"), []);
        File.WriteAllBytes(Path.Combine(dead, "0123.gguf"), [1, 2, 3]);
        var foreign = Path.Combine(_tier, "someone-elses.gguf");
        File.WriteAllBytes(foreign, [4]);

        using var next = new StagedModelFiles(_tier);

        Assert.Equal(1, next.StaleFoldersRemoved);
        Assert.False(Directory.Exists(dead));
        Assert.True(File.Exists(heldPath));
        Assert.True(File.Exists(foreign));
    }
}
