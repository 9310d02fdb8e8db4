using Grpc.Core;
using Inference;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>Health and metadata calls of <c>inference.GRPCInferenceService</c> with the generated .NET client.</summary>
[Collection(GrpcCollection.Name)]
public sealed class HealthAndMetadataTests(GrpcStoke stoke)
{
    [Fact]
    public async Task ServerLiveAndReadyAnswerWithoutAKey()
    {
        var live = await stoke.Grpc.ServerLiveAsync(new ServerLiveRequest());
        var ready = await stoke.Grpc.ServerReadyAsync(new ServerReadyRequest());

        Assert.True(live.Live);
        Assert.True(ready.Ready);
    }

    [Fact]
    public async Task ServerMetadataNamesStokeAndTheRestExtensions()
    {
        var metadata = await stoke.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), GrpcStoke.Auth());

        Assert.Equal("stoke", metadata.Name);
        Assert.NotEmpty(metadata.Version);
        Assert.Contains("binary_tensor_data", metadata.Extensions);
    }

    [Fact]
    public async Task ModelMetadataGivesTheSignatureVersionsAndPlatform()
    {
        var metadata = await stoke.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = GrpcStoke.Model }, GrpcStoke.Auth());

        Assert.Equal(GrpcStoke.Model, metadata.Name);
        Assert.Equal("onnx_onnxv1", metadata.Platform);
        Assert.Equal(["1"], metadata.Versions);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("x", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, 3, -1, -1], input.Shape);
        Assert.Equal([-1L, 2], Assert.Single(metadata.Outputs).Shape);
    }

    [Fact]
    public async Task ModelReadyIsTrueForADeployedModelAndNotFoundOtherwise()
    {
        var ready = await stoke.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = GrpcStoke.Model, Version = "1" }, GrpcStoke.Auth());
        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await stoke.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = GrpcStoke.Model, Version = "9" }, GrpcStoke.Auth()));

        Assert.True(ready.Ready);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal($"Unknown model '{GrpcStoke.Model}' version 9.", unknown.Status.Detail);
    }
}
