using Stoke.Partitioning.Composition;
using Stoke.Partitioning.Planning;
using Stoke.Partitioning.Tests.Support;

namespace Stoke.Partitioning.Tests;

/// <summary>Slices of a real model joined back into one composite graph give the whole model's outputs in one session.</summary>
public sealed class CompositionTests
{
    [Theory]
    [InlineData("recognizer", 2, 1e-5f)]
    [InlineData("minilm", 3, 1e-4f)]
    public void ComposedSlicesMatchTheWholeModel(string name, int parts, float tolerance)
    {
        var (path, inputs) = Models.ByName(name);
        var model = File.ReadAllBytes(path);
        var result = ModelPartitioner.Partition(model, name, new PartitionOptions { Parts = parts });

        var composite = ModelComposer.Compose([.. result.Slices.Select((s, i) => new ComposedModel(
            $"part{i + 1}", s, i == 0 ? new Dictionary<string, string>() : result.Plan.Slices[i].Inputs.ToDictionary(t => t.Name, t => t.Name)))]);

        // One model, run as a chain of one: the composite alone gives what the whole model gives.
        Equivalence.AssertSameOutputs(model, [composite], inputs, tolerance);
        foreach (var value in inputs.Values)
        {
            value.Dispose();
        }
    }

    [Fact]
    public void AnInputThatNoEarlierOutputFeedsIsRefused()
    {
        var result = ModelPartitioner.Partition(File.ReadAllBytes(Models.Recognizer), "recognizer", new PartitionOptions { Parts = 2 });
        var second = result.Plan.Slices[1].Inputs[0].Name;

        var error = Assert.Throws<ArgumentException>(() => ModelComposer.Compose(
            [new ComposedModel("a", result.Slices[0], new Dictionary<string, string>()), new ComposedModel("b", result.Slices[1], new Dictionary<string, string> { [second] = "no-such-output" })]));

        Assert.Contains("'b' reads 'no-such-output', which the model before it does not give", error.Message);
    }
}
