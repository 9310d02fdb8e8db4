using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Inference;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>ModelInfer with typed and raw contents gives exactly what the REST path gives for the same input.</summary>
[Collection(GrpcCollection.Name)]
public sealed class InferTests(GrpcStoke stoke)
{
    [Fact]
    public async Task TypedContentsGiveTheRestJsonOutputs()
    {
        var input = new ClassifierInput(seed: 0.3f);
        using var rest = stoke.Rest();

        var grpc = await stoke.Grpc.ModelInferAsync(input.Typed(), GrpcStoke.Auth());
        var json = await rest.InferAsync(GrpcStoke.Model, input.Json());

        Assert.Equal(HttpStatusCode.OK, json.Status);
        var expected = json.Json!["outputs"]![0]!["data"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();
        var output = Assert.Single(grpc.Outputs);
        Assert.Empty(grpc.RawOutputContents);
        Assert.Equal(("softmax_0.tmp_0", "FP32"), (output.Name, output.Datatype));
        Assert.Equal([1L, 2], output.Shape);
        Assert.Equal(expected, output.Contents.Fp32Contents);
        Assert.Equal(("req-1", "1"), (grpc.Id, grpc.ModelVersion));
    }

    [Fact]
    public async Task RawContentsGiveRawOutputsEqualToTheRestBinaryOutputs()
    {
        var input = new ClassifierInput(rows: 2, seed: 0.6f);
        using var rest = stoke.Rest();

        var grpc = await stoke.Grpc.ModelInferAsync(input.Raw(), GrpcStoke.Auth());
        var binary = await rest.InferBinaryAsync(GrpcStoke.Model, input.BinaryHeader, input.RawBytes);

        Assert.Equal(HttpStatusCode.OK, binary.Status);
        var headerLength = int.Parse(binary.Header("Inference-Header-Content-Length")!, CultureInfo.InvariantCulture);
        var raw = Assert.Single(grpc.RawOutputContents);
        Assert.Null(Assert.Single(grpc.Outputs).Contents);
        Assert.Equal([2L, 2], grpc.Outputs[0].Shape);
        Assert.Equal(binary.Body[headerLength..], raw.ToByteArray());
    }

    [Fact]
    public async Task RawRequestAskingBinaryDataOutputFalseGetsTypedContents()
    {
        var input = new ClassifierInput(seed: 0.9f);
        var request = input.Raw();
        request.Parameters["binary_data_output"] = new InferParameter { BoolParam = false };

        var typed = await stoke.Grpc.ModelInferAsync(request, GrpcStoke.Auth());
        var raw = await stoke.Grpc.ModelInferAsync(input.Raw(), GrpcStoke.Auth());

        Assert.Empty(typed.RawOutputContents);
        Assert.Equal(MemoryMarshal.Cast<byte, float>(raw.RawOutputContents[0].Span).ToArray(), typed.Outputs[0].Contents.Fp32Contents);
    }

    [Fact]
    public async Task UsageMetadataComesBackAsResponseHeaders()
    {
        using var call = stoke.Grpc.ModelInferAsync(new ClassifierInput().Raw(), GrpcStoke.Auth());
        await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("1", headers.GetValue("stoke-version"));
        Assert.Equal("1", headers.GetValue("stoke-batch-size"));
        Assert.NotNull(headers.GetValue("stoke-instance"));
    }
}
