using System.Net;
using Grpc.Core;
using Inference;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>
/// The OCR pipeline over gRPC: ModelInfer, ModelMetadata and ModelReady on a pipeline's name answer as REST does,
/// each call metered as a whole and per step, and another tenant's pipeline is not there (docs/protocol.md).
/// </summary>
[Collection(GrpcCollection.Name)]
public sealed class PipelineTests(GrpcStoke stoke)
{
    [Fact]
    public async Task HelloOverGrpcGivesTheTextAndBoxesRestGives()
    {
        await stoke.DeployOcrOnceAsync();
        using var rest = stoke.Rest();
        var image = OcrPipeline.Sample("hello.png");
        var (header, tail) = OcrPipeline.RestRequest(image);

        var grpc = await stoke.Grpc.ModelInferAsync(OcrPipeline.Request(image), GrpcStoke.Auth());
        var json = await rest.InferBinaryAsync(OcrPipeline.Name, header, tail);

        Assert.Equal(HttpStatusCode.OK, json.Status);
        var text = grpc.Outputs.Single(o => o.Name == "text");
        var boxes = grpc.Outputs.Single(o => o.Name == "boxes");
        Assert.Equal("BYTES [1]", $"{text.Datatype} [{string.Join(",", text.Shape)}]");
        Assert.Equal(["Hello World 2024"], text.Contents.BytesContents.Select(b => b.ToStringUtf8()));
        Assert.Equal("INT32 [1,4]", $"{boxes.Datatype} [{string.Join(",", boxes.Shape)}]");
        Assert.Equal(OcrPipeline.RestOutput(json, "boxes")["data"]!.AsArray().Select(v => v!.GetValue<int>()), boxes.Contents.IntContents);
        Assert.Equal(
            OcrPipeline.RestOutput(json, "scores")["data"]!.AsArray().Select(v => (float)v!.GetValue<double>()),
            grpc.Outputs.Single(o => o.Name == "scores").Contents.Fp32Contents);
        Assert.Equal(("page-1", "1"), (grpc.Id, grpc.ModelVersion));
    }

    [Fact]
    public async Task PageOverGrpcGivesItsThreeLines()
    {
        await stoke.DeployOcrOnceAsync();

        var grpc = await stoke.Grpc.ModelInferAsync(OcrPipeline.Request(OcrPipeline.Sample("page.png")), GrpcStoke.Auth());

        Assert.Equal(
            ["Serverless inference", "Cold start: 42 ms", "Batch size 8"],
            grpc.Outputs.Single(o => o.Name == "text").Contents.BytesContents.Select(b => b.ToStringUtf8()));
        Assert.Equal([3L, 4], grpc.Outputs.Single(o => o.Name == "boxes").Shape);
    }

    [Fact]
    public async Task EachCallIsMeteredAsAWholeAndPerStepWithItsStepTimesInTheMetadata()
    {
        await stoke.DeployOcrOnceAsync();
        using var rest = stoke.Rest();
        await stoke.Grpc.ModelInferAsync(OcrPipeline.Request(OcrPipeline.Sample("hello.png")), GrpcStoke.Auth());
        var pipelineBefore = await RequestsAsync(rest, OcrPipeline.Name);
        var recognizerBefore = await RequestsAsync(rest, "ocr-rec");

        using var call = stoke.Grpc.ModelInferAsync(OcrPipeline.Request(OcrPipeline.Sample("page.png")), GrpcStoke.Auth());
        await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal(pipelineBefore + 1, await RequestsAsync(rest, OcrPipeline.Name));
        Assert.Equal(recognizerBefore + 3, await RequestsAsync(rest, "ocr-rec")); // one recognizer call per line
        Assert.Equal("pipeline", headers.GetValue("stoke-instance"));
        var steps = headers.GetValue("stoke-pipeline-steps")!.Split(';').Select(s => s.Split('=')[0]);
        Assert.Equal(["decode", "prepare", "detect", "boxes", "cls-crop", "direction", "rec-crop", "recognize", "text"], steps);
    }

    [Fact]
    public async Task MetadataAndReadinessOfAPipelineAreItsSignature()
    {
        await stoke.DeployOcrOnceAsync();

        var metadata = await stoke.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = OcrPipeline.Name }, GrpcStoke.Auth());
        var ready = await stoke.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = OcrPipeline.Name }, GrpcStoke.Auth());

        Assert.Equal("pipeline", metadata.Platform);
        Assert.Equal(["image BYTES [1]"], metadata.Inputs.Select(i => $"{i.Name} {i.Datatype} [{string.Join(",", i.Shape)}]"));
        Assert.Equal(["boxes INT32", "scores FP32", "text BYTES"], metadata.Outputs.Select(o => $"{o.Name} {o.Datatype}").Order(StringComparer.Ordinal));
        Assert.True(ready.Ready);
    }

    [Fact]
    public async Task UnknownPipelineIsNotFound()
    {
        await stoke.DeployOcrOnceAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await stoke.Grpc.ModelInferAsync(OcrPipeline.Request(OcrPipeline.Sample("hello.png"), "ocr-nowhere"), GrpcStoke.Auth()));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task AnotherTenantsPipelineIsNotFoundToEveryMethod()
    {
        await stoke.DeployOcrOnceAsync();
        var other = GrpcStoke.Auth(GrpcStoke.OtherKey);

        var infer = await Assert.ThrowsAsync<RpcException>(async () => await stoke.Grpc.ModelInferAsync(OcrPipeline.Request(OcrPipeline.Sample("hello.png")), other));
        var metadata = await Assert.ThrowsAsync<RpcException>(async () => await stoke.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = OcrPipeline.Name }, other));
        var ready = await Assert.ThrowsAsync<RpcException>(async () => await stoke.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = OcrPipeline.Name }, other));

        Assert.Equal([StatusCode.NotFound, StatusCode.NotFound, StatusCode.NotFound], new[] { infer.StatusCode, metadata.StatusCode, ready.StatusCode });
    }

    [Fact]
    public async Task UndecodableImageIsInvalidArgumentNamingTheStep()
    {
        await stoke.DeployOcrOnceAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await stoke.Grpc.ModelInferAsync(OcrPipeline.Request([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]), GrpcStoke.Auth()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Step 'decode' (transform image.decode) failed", error.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<long> RequestsAsync(Stoke.Client.StokeClient rest, string function)
    {
        var usage = await rest.UsageAsync(function);
        return usage["functions"]!.AsArray().Sum(f => f!["requests"]!.GetValue<long>());
    }
}
