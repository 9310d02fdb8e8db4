using Stoke.Partitioning.Planning;
using Stoke.Partitioning.Tests.Support;

namespace Stoke.Partitioning.Tests;

/// <summary>Real models cut into slices give the whole model's outputs when the slices run in sequence.</summary>
public sealed class RealModelTests
{
    [Theory]
    [InlineData("recognizer", 2, 1e-5f)]
    [InlineData("recognizer", 3, 1e-5f)]
    [InlineData("minilm", 2, 1e-4f)]
    [InlineData("minilm", 3, 1e-4f)]
    public void SlicesRunInSequenceMatchTheWholeModel(string name, int parts, float tolerance)
    {
        var (path, inputs) = Models.ByName(name);
        var model = File.ReadAllBytes(path);
        var result = ModelPartitioner.Partition(model, name, new PartitionOptions { Parts = parts });

        Assert.Equal(parts, result.Slices.Count);
        Equivalence.AssertSameOutputs(model, result.Slices, inputs, tolerance);
        foreach (var value in inputs.Values)
        {
            value.Dispose();
        }
    }

    [Fact]
    public void EachSliceHoldsOnlyTheWeightsItsNodesRead()
    {
        var model = File.ReadAllBytes(Models.MiniLm);
        var result = ModelPartitioner.Partition(model, "minilm", new PartitionOptions { Parts = 3 });

        // Every slice is well under the whole model, and together they hold the model's weights about once
        // (a weight read on both sides of a cut is copied, so a little more than once).
        Assert.All(result.Slices, s => Assert.True(s.Length < model.Length * 0.7, $"A slice of {s.Length} bytes out of {model.Length}."));
        var sum = result.Slices.Sum(s => (long)s.Length);
        Assert.InRange(sum, model.Length * 0.95, model.Length * 1.05);
        Assert.Equal(result.Plan.Slices.Sum(s => s.WeightBytes), result.Plan.TotalWeightBytes, tolerance: result.Plan.TotalWeightBytes * 0.01);
    }

    [Fact]
    public void MiniLmCutsBetweenLayersNotInsideAttention()
    {
        var result = ModelPartitioner.Partition(File.ReadAllBytes(Models.MiniLm), "minilm", new PartitionOptions { Parts = 3 });

        // Between encoder layers only the hidden state [batch, seq, 384] and the attention mask are live: at the
        // nominal 32 x 32 that is 1,572,864 + 4,096 bytes; any cut inside a layer passes more.
        Assert.All(result.Plan.Cuts, c => Assert.Equal(1_576_960, c.EstimatedBytes));
    }

    [Fact]
    public void MaxPartMbGivesTheFewestSlicesUnderTheLimit()
    {
        var result = ModelPartitioner.Partition(File.ReadAllBytes(Models.MiniLm), "minilm", new PartitionOptions { MaxPartMb = 50 });

        // The word embeddings alone are 44.7 MB, so the 86.6 MB of weights need two 50 MB slices.
        Assert.Equal(2, result.Slices.Count);
        Assert.All(result.Plan.Slices, s => Assert.True(s.WeightBytes <= 50 * 1024 * 1024, $"Slice {s.Number} holds {s.WeightBytes} bytes."));
    }

    [Fact]
    public void MaxPartMbBelowTheHeaviestNodeIsRefusedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ModelPartitioner.Partition(File.ReadAllBytes(Models.MiniLm), "minilm", new PartitionOptions { MaxPartMb = 20 }));

        Assert.Contains("fits in 20 MB", error.Message, StringComparison.Ordinal);
        Assert.Contains("Gather", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MorePartsThanTheGraphAllowsIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ModelPartitioner.Partition(File.ReadAllBytes(Models.Recognizer), "rec", new PartitionOptions { Parts = 10_000 }));

        Assert.Contains("at most 440 parts", error.Message, StringComparison.Ordinal);
        Assert.Equal("parts", error.ParamName);
    }
}
