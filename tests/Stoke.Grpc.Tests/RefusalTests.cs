using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>Refusals map to gRPC status codes with the REST path's messages.</summary>
[Collection(GrpcCollection.Name)]
public sealed class RefusalTests(GrpcStoke stoke)
{
    [Fact]
    public async Task UnknownModelIsNotFoundWithTheRestMessage()
    {
        var input = new ClassifierInput();
        using var rest = stoke.Rest();

        var error = await InferErrorAsync(input.Typed("no-such-model"));
        var refused = await rest.InferAsync("no-such-model", input.Json());

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.Equal(refused.Json!["error"]!.GetValue<string>(), error.Status.Detail);
    }

    [Fact]
    public async Task WrongDatatypeIsInvalidArgumentWithTheRestMessage()
    {
        var input = new ClassifierInput();
        var request = input.Typed();
        request.Inputs[0].Datatype = "INT32";
        request.Inputs[0].Contents = new InferTensorContents { IntContents = { input.Values.Select(v => (int)v) } };
        using var rest = stoke.Rest();

        var error = await InferErrorAsync(request);
        var refused = await rest.InferAsync(GrpcStoke.Model, input.Json(datatype: "INT32", asIntegers: true));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(refused.Json!["error"]!.GetValue<string>(), error.Status.Detail);
    }

    [Fact]
    public async Task WrongShapeIsInvalidArgumentWithTheRestMessage()
    {
        var input = new ClassifierInput();
        long[] shape = [3, 48, 192];
        var request = input.Typed();
        request.Inputs[0].Shape.Clear();
        request.Inputs[0].Shape.AddRange(shape);
        using var rest = stoke.Rest();

        var error = await InferErrorAsync(request);
        var refused = await rest.InferAsync(GrpcStoke.Model, input.Json(shape: shape));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(refused.Json!["error"]!.GetValue<string>(), error.Status.Detail);
        Assert.Contains("(rank 3) but the model expects rank 4", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypedContentsOfTheWrongCountAreInvalidArgument()
    {
        var request = new ClassifierInput().Typed();
        request.Inputs[0].Contents.Fp32Contents.RemoveAt(0);

        var error = await InferErrorAsync(request);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("input 'x' has 27647 values in fp32_contents but its shape needs 27648", error.Status.Detail);
    }

    [Fact]
    public async Task RawContentsOfTheWrongSizeAreInvalidArgument()
    {
        var request = new ClassifierInput().Raw();
        request.RawInputContents[0] = ByteString.CopyFrom(new byte[100]);

        var error = await InferErrorAsync(request);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("input 'x' has 25 elements (100 bytes) but shape [1,3,48,192] needs 27648", error.Status.Detail);
    }

    [Fact]
    public async Task RawAndTypedContentsTogetherAreInvalidArgument()
    {
        var request = new ClassifierInput().Typed();
        request.RawInputContents.Add(ByteString.CopyFrom(new ClassifierInput().RawBytes));

        var error = await InferErrorAsync(request);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("use one or the other", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sk-not-a-key-at-all", "Invalid API key.")]
    [InlineData(null, "Missing 'Authorization: Bearer <key>' header.")]
    public async Task CallsWithoutAValidKeyAreUnauthenticated(string? key, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await stoke.Grpc.ModelInferAsync(new ClassifierInput().Raw(), key is null ? [] : GrpcStoke.Auth(key)));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
    }

    [Fact]
    public async Task MessageOverTheRequestLimitIsResourceExhausted()
    {
        var rows = (GrpcStoke.MaxRequestBytes / (ClassifierInput.Elements * 4)) + 1;

        var error = await InferErrorAsync(new ClassifierInput(rows).Raw());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task OverloadIsUnavailableWithRetryTrailers()
    {
        using var rest = stoke.Rest();
        await rest.DeployAsync("cls-noqueue", ClassifierInput.Model, new Dictionary<string, string> { ["maxQueued"] = "0", ["keepAliveSeconds"] = "60" });

        var error = await InferErrorAsync(new ClassifierInput().Raw("cls-noqueue"));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.NotNull(error.Trailers.GetValue("retry-after"));
        Assert.NotNull(error.Trailers.GetValue("grpc-retry-pushback-ms"));
    }

    private Task<RpcException> InferErrorAsync(ModelInferRequest request) =>
        Assert.ThrowsAsync<RpcException>(async () => await stoke.Grpc.ModelInferAsync(request, GrpcStoke.Auth()));
}
