using Grpc.Core;
using Stoke.Gateway.Grpc.Errors;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>An API key's requests-per-minute quota holds on gRPC as on REST: the call past it is refused with a retry hint.</summary>
[Collection(GrpcCollection.Name)]
public sealed class QuotaTests(GrpcStoke stoke)
{
    [Fact]
    public async Task InferPastTheKeysRequestQuotaIsResourceExhaustedWithRetryAfter()
    {
        var input = new ClassifierInput();
        var auth = GrpcStoke.Auth(GrpcStoke.LimitedKey);
        await stoke.Grpc.ModelInferAsync(input.Typed(), auth);
        await stoke.Grpc.ModelInferAsync(input.Typed(), auth);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await stoke.Grpc.ModelInferAsync(input.Typed(), auth));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("requests per minute (limit 2", error.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(error.Trailers.GetValue(GrpcErrors.RetryAfterTrailer));
    }
}
