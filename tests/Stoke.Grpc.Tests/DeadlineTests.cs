using Grpc.Core;
using Stoke.Grpc.Tests.Support;

namespace Stoke.Grpc.Tests;

/// <summary>
/// The gRPC deadline is the request's deadline, and a call that ends early releases its request down to the
/// controller. The function asks for 20 GB, which never fits the node, so its requests stay held until released.
/// </summary>
[Collection(GrpcCollection.Name)]
public sealed class DeadlineTests(GrpcStoke stoke)
{
    [Fact]
    public async Task DeadlinePassingWhileHeldIsDeadlineExceededAndReleasesTheRequest()
    {
        await DeployHeldAsync("cls-deadline");

        var error = await Assert.ThrowsAsync<RpcException>(async () => await stoke.Grpc.ModelInferAsync(
            new ClassifierInput().Raw("cls-deadline"), GrpcStoke.Auth(), deadline: DateTime.UtcNow.AddMilliseconds(800)));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // Stoke's reason, as REST gives it, and not the gRPC server's bare "Deadline Exceeded".
        Assert.Contains("Deadline expired while held", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await HeldAfterReleaseAsync("cls-deadline"));
    }

    [Fact]
    public async Task CancelledCallReleasesItsHeldRequest()
    {
        await DeployHeldAsync("cls-cancel");
        using var cancel = new CancellationTokenSource();
        using var call = stoke.Grpc.ModelInferAsync(new ClassifierInput().Raw("cls-cancel"), GrpcStoke.Auth(), cancellationToken: cancel.Token);
        await HeldAsync("cls-cancel", n => n == 1);

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseAsync);

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(0, await HeldAfterReleaseAsync("cls-cancel"));
    }

    private async Task DeployHeldAsync(string name)
    {
        using var rest = stoke.Rest();
        await rest.DeployAsync(name, ClassifierInput.Model, new Dictionary<string, string> { ["memoryMb"] = "20000", ["timeoutMs"] = "60000" });
    }

    // The server finishes a released request a moment after the client has seen its status: wait for it, within a bound.
    private Task<int> HeldAfterReleaseAsync(string name) => HeldAsync(name, n => n == 0);

    private async Task<int> HeldAsync(string name, Func<int, bool> done)
    {
        using var rest = stoke.Rest();
        var until = DateTime.UtcNow.AddSeconds(10);
        int held;
        do
        {
            held = (await rest.DescribeAsync(name))["status"]![0]!["held"]!.GetValue<int>();
            if (done(held))
            {
                return held;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < until);

        return held;
    }
}
