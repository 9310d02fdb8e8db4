using Stoke.Abstractions.Tensors;
using static Stoke.OpenInference.Tests.TestTensors;

namespace Stoke.OpenInference.Tests;

public class ValidatorTests
{
    private static readonly ModelSignature Signature = new(
        [
            new TensorSpec("image", TensorDataType.FP32, [TensorShape.Dynamic, 3, 2]),
            new TensorSpec("label", TensorDataType.Bytes, [1]),
        ],
        [new TensorSpec("scores", TensorDataType.FP32, [TensorShape.Dynamic, 10])]);

    private static Tensor Image(long batch = 1) =>
        Of("image", TensorDataType.FP32, [batch, 3, 2], new float[batch * 6]);

    private static Tensor Label() => Strings("label", [1], "cat");

    private static string Fails(params Tensor[] inputs) => Fails(new InferenceRequest(null, inputs, null));

    private static string Fails(InferenceRequest request)
    {
        var ex = Assert.Throws<OipException>(() => OipValidator.Validate(request, Signature));
        Assert.Equal(400, ex.StatusCode);
        return ex.Message;
    }

    [Fact]
    public void AcceptsAMatchingRequestWithAnyBatchSize()
    {
        OipValidator.Validate(new InferenceRequest("1", [Image(1), Label()], ["scores"]), Signature);
        OipValidator.Validate(new InferenceRequest("2", [Label(), Image(7)], null), Signature);
    }

    [Fact]
    public void RejectsAnUnknownInput() =>
        Assert.Equal(
            "unknown input 'imagee'; the model takes 'image', 'label'",
            Fails(Image() with { Name = "imagee" }, Label()));

    [Fact]
    public void RejectsAMissingInput() =>
        Assert.Equal("missing input 'label' (BYTES [1])", Fails(Image()));

    [Fact]
    public void RejectsADuplicateInput() =>
        Assert.Equal("input 'image' is given more than once", Fails(Image(), Label(), Image()));

    [Fact]
    public void RejectsTheWrongDatatype() =>
        Assert.Equal(
            "input 'image' has datatype FP64 but the model expects FP32",
            Fails(Of("image", TensorDataType.FP64, [1, 3, 2], new double[6]), Label()));

    [Fact]
    public void RejectsTheWrongRank() =>
        Assert.Equal(
            "input 'image' has shape [6] (rank 1) but the model expects rank 3 [-1,3,2]",
            Fails(Of("image", TensorDataType.FP32, [6], new float[6]), Label()));

    [Fact]
    public void RejectsAFixedDimensionMismatch() =>
        Assert.Equal(
            "input 'image' has shape [1,2,3] but the model expects [-1,3,2] (dimension 1 must be 3, got 2)",
            Fails(Of("image", TensorDataType.FP32, [1, 2, 3], new float[6]), Label()));

    [Fact]
    public void RejectsDataThatDoesNotFillTheShape() =>
        Assert.Equal(
            "input 'image' has 5 elements (20 bytes) but shape [1,3,2] needs 6",
            Fails(Of("image", TensorDataType.FP32, [1, 3, 2], new float[5]), Label()));

    [Fact]
    public void RejectsBytesDataThatDoesNotFillTheShape() =>
        Assert.Equal(
            "input 'label' has 2 elements but shape [1] needs 1",
            Fails(Image(), Strings("label", [1], "a", "b")));

    [Fact]
    public void RejectsAnUnknownRequestedOutput() =>
        Assert.Equal(
            "unknown output 'logits'; the model gives 'scores'",
            Fails(new InferenceRequest(null, [Image(), Label()], ["scores", "logits"])));

    [Fact]
    public void ValidatesWhatTheReaderParsed()
    {
        var parsed = Parse("""{"inputs":[{"name":"image","shape":[1,3,2],"datatype":"FP32","data":[[[1,2],[3,4],[5,6]]]},{"name":"label","shape":[1],"datatype":"BYTES","data":["x"]}],"outputs":[{"name":"scores"}]}""");

        OipValidator.Validate(parsed.Request, Signature);
    }
}
