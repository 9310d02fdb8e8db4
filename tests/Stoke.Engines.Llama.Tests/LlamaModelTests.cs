using Stoke.Abstractions.Engines;

namespace Stoke.Engines.Llama.Tests;

[Collection(ModelCollection.Name)]
public sealed class LlamaModelTests(ModelFixture fixture)
{
    [Fact]
    public void ReportsVocabularyContextAndLoadTime()
    {
        var model = fixture.Model;

        Assert.Equal(512, model.VocabSize);
        Assert.True(model.TrainedContextSize > 0);
        Assert.True(model.LoadTime > TimeSpan.Zero);
        Assert.Equal(new FileInfo(TestModel.Path).Length, model.SizeBytes);
    }

    [Fact]
    public void FileThatIsNotGgufIsInvalidModel()
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[4096]);

            Assert.Throws<InvalidModelException>(() => LlamaModel.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ModelStagedInMemoryTierGeneratesTheSameText()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stoke-tier-" + Guid.NewGuid().ToString("N"));
        try
        {
            var staged = ModelFileTiers.StageInMemory(TestModel.Path, dir);
            using var fromMemory = LlamaModel.Load(staged);
            var request = new GenerationRequest { Prompt = "Once upon a time", MaxTokens = 30, Temperature = 0 };
            var options = new LlamaEngineOptions { Threads = 1, ContextWindow = 128, MaxSequences = 1 };

            await using var a = new ContinuousBatchingEngine(fixture.Model, options);
            await using var b = new ContinuousBatchingEngine(fromMemory, options);

            Assert.NotEqual(TestModel.Path, staged);
            Assert.Equal((await a.CollectAsync(request)).Text, (await b.CollectAsync(request)).Text);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
