using Microsoft.ML.OnnxRuntime;
using Stoke.Partitioning.Planning;
using Stoke.Partitioning.Tests.Support;

namespace Stoke.Partitioning.Tests;

/// <summary>Where the partitioner cuts a model whose cuts pass known bytes, and how it keeps a node's subgraphs whole.</summary>
public sealed class CutChoiceTests
{
    [Fact]
    public void TwoPartsCutWhereTheFewestBytesAreLive()
    {
        var result = ModelPartitioner.Partition(TinyModels.WithIf(), "tiny", new PartitionOptions { Parts = 2 });

        // Live bytes at cuts 1..4: A+flag 17, Big+flag 65, C+flag 9, D 8.
        var cut = Assert.Single(result.Plan.Cuts);
        Assert.Equal(4, cut.Position);
        Assert.Equal(8, cut.EstimatedBytes);
        Assert.Equal(["D"], cut.Tensors);
    }

    [Fact]
    public void ThreePartsPassTheFewestBytesWhenMemoryMayBeUneven()
    {
        // With room to spare, only bytes count: 9 + 8 at cuts 3 and 4. By default the 8-byte K may not sit alone
        // beside the 128-byte W (its slice's share is 4 bytes), so the plan differs.
        var uneven = ModelPartitioner.Partition(TinyModels.WithIf(), "tiny", new PartitionOptions { Parts = 3, MemorySlack = 100 });
        var balanced = ModelPartitioner.Partition(TinyModels.WithIf(), "tiny", new PartitionOptions { Parts = 3 });

        Assert.Equal([3, 4], uneven.Plan.Cuts.Select(c => c.Position));
        Assert.Equal(17, uneven.Plan.PassedBytes);
        Assert.NotEqual([3, 4], balanced.Plan.Cuts.Select(c => c.Position));
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(5, true)]
    [InlineData(5, false)]
    public void SlicesWithAnIfNodeMatchTheWholeModel(int parts, bool flag)
    {
        var model = TinyModels.WithIf();
        var result = ModelPartitioner.Partition(model, "tiny", new PartitionOptions { Parts = parts });
        var inputs = new Dictionary<string, OrtValue>
        {
            ["X"] = OrtValue.CreateTensorValueFromMemory(new float[] { 1, -2, 3, 0.5f }, [1, 4]),
            ["flag"] = OrtValue.CreateTensorValueFromMemory(new[] { flag }, []),
        };

        Equivalence.AssertSameOutputs(model, result.Slices, inputs, tolerance: 0);
        foreach (var value in inputs.Values)
        {
            value.Dispose();
        }
    }

    [Fact]
    public void TheIfNodesSliceCarriesWhatItsBranchesRead()
    {
        var result = ModelPartitioner.Partition(TinyModels.WithIf(), "tiny", new PartitionOptions { Parts = 5 });

        // Slice 4 holds only the If node: C comes in from slice 3, and K (read only inside the branches) is its initializer.
        var slice = result.Plan.Slices[3];
        Assert.Equal(["C", "flag"], slice.Inputs.Select(i => i.Name).Order());
        Assert.Equal(1, slice.InitializerCount);
        Assert.Equal(8, slice.WeightBytes);
    }

    [Fact]
    public void MorePartsThanNodesIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ModelPartitioner.Partition(TinyModels.WithIf(), "tiny", new PartitionOptions { Parts = 6 }));

        Assert.Equal("The graph allows at most 5 parts (4 places where it can be cut among 5 nodes); 6 were asked for. (Parameter 'parts')", error.Message);
    }

    [Fact]
    public void AModelOnnxRuntimeCannotLoadIsRefused()
    {
        // Well-formed protobuf, but MatMul of a [1,4] by a [16,2] weight cannot type-check.
        var model = Stoke.Partitioning.Onnx.ModelProto.Parser.ParseFrom(TinyModels.WithIf());
        model.Graph.Node[2].Input[0] = "A";
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(model);

        var error = Assert.Throws<ArgumentException>(() => ModelPartitioner.Partition(bytes, "bad", new PartitionOptions { Parts = 2 }));

        Assert.StartsWith("ONNX Runtime cannot load the model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BytesThatAreNotAModelAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ModelPartitioner.Partition([0xff, 0xff, 0xff, 0x01], "bad", new PartitionOptions { Parts = 2 }));

        Assert.StartsWith("The file is not an ONNX model", error.Message, StringComparison.Ordinal);
    }
}
