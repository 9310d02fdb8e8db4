using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Tensors;
using Stoke.Engines.Onnx.Tests.Support;
using Stoke.Samples;

namespace Stoke.Engines.Onnx.Tests;

[Collection(MiniLmCollection.Name)]
public sealed class OnnxEngineTests(MiniLmFixture miniLm)
{
    [Fact]
    public void MiniLmSignatureHasInt64TextInputsAndHiddenStatesOf384()
    {
        var signature = miniLm.Session.Signature;

        Assert.Equal(["attention_mask", "input_ids", "token_type_ids"], signature.Inputs.Select(i => i.Name).Order());
        Assert.All(signature.Inputs, i =>
        {
            Assert.Equal(TensorDataType.Int64, i.DataType);
            Assert.Equal([TensorShape.Dynamic, TensorShape.Dynamic], i.Shape);
        });
        var hidden = Assert.Single(signature.Outputs, o => o.Name == "last_hidden_state");
        Assert.Equal(TensorDataType.FP32, hidden.DataType);
        Assert.Equal([TensorShape.Dynamic, TensorShape.Dynamic, 384], hidden.Shape);
        Assert.True(signature.SupportsBatching);
    }

    [Fact]
    public void RandomBytesAreAnInvalidModel()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);

        var ex = Assert.Throws<InvalidModelException>(() => new OnnxEngine().Load(bytes, new EngineLoadOptions()));

        Assert.Contains("4096-byte", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedModelIsAnInvalidModel()
    {
        var bytes = File.ReadAllBytes(TestModels.PaddleClassifier);

        Assert.Throws<InvalidModelException>(() => new OnnxEngine().Load(bytes[..(bytes.Length / 2)], new EngineLoadOptions()));
    }

    [Fact]
    public void EmptyArtifactIsAnInvalidModel() =>
        Assert.Throws<InvalidModelException>(() => new OnnxEngine().Load([], new EngineLoadOptions()));

    [Fact]
    public void ResNet18HasAFixedBatchOfOneAndRunsOnOneImage()
    {
        using var session = TestModels.Load(SampleModels.ResNet18.ModelPath, threads: 2);
        var input = Assert.Single(session.Signature.Inputs);
        Assert.Equal([1, 3, 224, 224], input.Shape);
        Assert.False(session.Signature.SupportsBatching);

        var image = RawTensors.Floats(input.Name, [1, 3, 224, 224], RawTensors.Random(3 * 224 * 224, seed: 1));
        var output = Assert.Single(session.Run([image], null));

        Assert.Equal(session.Signature.Outputs[0].Name, output.Name);
        Assert.Equal([1, 512, 1, 1], output.Shape);
        var features = RawTensors.ToFloats(output);
        Assert.All(features, f => Assert.True(float.IsFinite(f)));
        Assert.Contains(features, f => f != 0);
    }

    [Fact]
    public void UnknownInputNameIsRejectedWithTheKnownNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => miniLm.Session.Run([RawTensors.Int64s("ids", [1, 1], [101])], null));

        Assert.Contains("input_ids", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongElementTypeIsRejected()
    {
        var encoded = miniLm.Embedder.Encode(["hello"]);
        var inputs = encoded.Inputs.ToArray();
        inputs[0] = RawTensors.Floats(inputs[0].Name, inputs[0].Shape, new float[inputs[0].ElementCount]);

        var ex = Assert.Throws<ArgumentException>(() => miniLm.Session.Run(inputs, null));

        Assert.Contains("FP32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingInputIsRejected()
    {
        var encoded = miniLm.Embedder.Encode(["hello"]);

        var ex = Assert.Throws<ArgumentException>(() => miniLm.Session.Run(encoded.Inputs[..2], null));

        Assert.Contains("Missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataOfTheWrongLengthIsRejected()
    {
        using var session = TestModels.Load(TestModels.PaddleClassifier);
        var input = session.Signature.Inputs[0];

        Assert.Throws<ArgumentException>(() => session.Run([new Tensor(input.Name, TensorDataType.FP32, [1, 3, 48, 192], new byte[12])], null));
    }

    [Fact]
    public void RequestedOutputsAreTheOnlyOnesReturned()
    {
        var encoded = miniLm.Embedder.Encode(["hello"]);

        var outputs = miniLm.Session.Run(encoded.Inputs, ["last_hidden_state"]);

        Assert.Equal("last_hidden_state", Assert.Single(outputs).Name);
    }

    [Fact]
    public void RunAfterDisposeThrowsObjectDisposed()
    {
        var session = TestModels.Load(TestModels.PaddleClassifier);
        var name = session.Signature.Inputs[0].Name;
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() =>
            session.Run([RawTensors.Floats(name, [1, 3, 48, 192], new float[3 * 48 * 192])], null));
    }
}
