using System.Buffers;
using System.Text;
using Stoke.Abstractions.Tensors;

namespace Stoke.OpenInference.Tests;

public class MetadataWriterTests
{
    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void ServerMetadataListsExtensions() =>
        Assert.Equal(
            """{"name":"stoke","version":"1.0","extensions":["binary_tensor_data"]}""",
            Write(b => OipMetadataWriter.WriteServerMetadata(b, "stoke", "1.0", [OipProtocol.BinaryTensorDataExtension])));

    [Fact]
    public void ModelMetadataDescribesTheSignatureWithDynamicDimensionsAsMinusOne()
    {
        var signature = new ModelSignature(
            [new TensorSpec("input", TensorDataType.FP32, [TensorShape.Dynamic, 3, 224, 224])],
            [new TensorSpec("output", TensorDataType.Int64, [TensorShape.Dynamic])]);

        Assert.Equal(
            """{"name":"resnet","versions":["1","2"],"platform":"onnx_onnxv1","inputs":[{"name":"input","datatype":"FP32","shape":[-1,3,224,224]}],"outputs":[{"name":"output","datatype":"INT64","shape":[-1]}]}""",
            Write(b => OipMetadataWriter.WriteModelMetadata(b, "resnet", ["1", "2"], "onnx_onnxv1", signature)));
    }

    [Fact]
    public void ModelReadyNamesTheModel() =>
        Assert.Equal("""{"name":"m","ready":true}""", Write(b => OipMetadataWriter.WriteModelReady(b, "m", true)));

    [Fact]
    public void ErrorObjectEscapesTheMessage() =>
        Assert.Equal(
            """{"error":"input \u0027x\u0027 is \u0022bad\u0022"}""",
            Write(b => OipMetadataWriter.WriteError(b, "input 'x' is \"bad\"")));
}
