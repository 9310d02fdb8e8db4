using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Routing;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Invocation;
using Stoke.Runtime.Routing;

namespace Stoke.Integration.Tests;

/// <summary>
/// A request whose every attempt finds its instance gone (a routing table that names instances stopped since, as a
/// node holds after its controller moved) is refused with 503 and <c>Retry-After</c>, metered as a failure with its
/// reason, and the next request is served: the platform lost the instance, not the request's validity.
/// </summary>
public sealed class LostInstanceTests
{
    private const string Function = "cls-ghosts";

    [Fact]
    public async Task EveryAttemptLosingItsInstanceIs503WithRetryAfterAndMeteredAsInstanceLost()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using var client = node.Client();
        await client.DeployAsync(Function, TestModels.Classifier);
        Assert.Equal(HttpStatusCode.OK, (await client.InferAsync(Function, TestModels.ClassifierJson())).Status);

        // The node's table for the function now names only instances that are not there, one per attempt.
        var status = (await client.DescribeAsync(Function))["status"]!.AsArray()[^1]!;
        var key = status["function"]!.GetValue<string>();
        var version = status["version"]!.GetValue<int>();
        var router = node.Services.GetRequiredService<NodeRouter>();
        var host = node.Services.GetRequiredService<NodeHost>();
        var table = router.TableOf(key, version) ?? throw new InvalidOperationException("no routing table after a served request");
        router.Update(table with
        {
            Revision = table.Revision + 1_000,
            Instances = [.. Enumerable.Range(0, FunctionInvoker.MaxAttempts).Select(i => new RouteEntry($"ghost-{i}", host.NodeId, 0))],
            Holding = false,
        });

        var lost = await client.InferAsync(Function, TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.Status);
        Assert.Equal("1", lost.Header("Retry-After"));
        Assert.Contains($"lost its instance on each of {FunctionInvoker.MaxAttempts} attempts", lost.Text, StringComparison.Ordinal);
        var usage = (await client.UsageAsync(Function))["total"]!;
        Assert.Equal(1, usage["failures"]!.GetValue<long>());
        Assert.Equal(1, usage["failureReasons"]!["instance_lost"]!.GetValue<long>());

        // The ghosts are marked lost: the next request goes through the controller to the real instance.
        var next = await client.InferAsync(Function, TestModels.ClassifierJson());
        Assert.Equal(HttpStatusCode.OK, next.Status);
    }
}
