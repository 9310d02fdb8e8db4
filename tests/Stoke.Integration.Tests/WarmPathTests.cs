using System.Net;
using System.Text.RegularExpressions;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>The direct data plane: warm requests go from the gateway to the instance's node without the controller.</summary>
public sealed partial class WarmPathTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task WarmRequestsNeverCallTheController()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using var client = node.Client();
        await client.DeployAsync("cls-warm", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "300" });

        var cold = await client.InferAsync("cls-warm", TestModels.ClassifierJson());
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.InferAsync("cls-warm", TestModels.ClassifierJson())).Status);
        }

        var metrics = await MetricsAsync(node);
        Assert.NotNull(cold.Header("Stoke-Cold-Start-Tier"));
        Assert.Equal(1, Count(metrics, "cls-warm", "controller"));
        Assert.Equal(20, Count(metrics, "cls-warm", "direct"));
    }

    [Fact]
    public async Task AClientThatGoesAwayTakesItsRequestOutOfTheBatchQueue()
    {
        // One instance, no concurrency limit, batches of one: the second request waits in the instance's queue while the
        // first runs on the engine (held there by the test's fake clock).
        await using var node = await FakeClockNode.StartAsync(T0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), "cls-cancel", new Dictionary<string, string>
        {
            ["maxBatchSize"] = "1", ["maxInstances"] = "1", ["keepAliveSeconds"] = "300",
        });
        await node.AdvanceToAsync(TimeSpan.FromSeconds(1));
        await node.SendAsync(1);
        using var leaving = new CancellationTokenSource();
        var second = node.Client.InferAsync("cls-cancel", TestModels.ClassifierJson(), cancellationToken: leaving.Token);
        await Eventually.ReturnsAsync(() => QueueDepthAsync(node.Client), d => d == 1, TimeSpan.FromSeconds(10), "the second request queued behind the first");

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        await node.AdvanceToAsync(TimeSpan.FromSeconds(6));
        var first = Assert.Single(await node.AllAsync());

        Assert.Equal(HttpStatusCode.OK, first.Response.Status);
        Assert.Equal(1, node.Engine.Started);
        Assert.Equal(0, await QueueDepthAsync(node.Client));
    }

    [Fact]
    public async Task StatusShowsHowOftenEachInstanceWasUsed()
    {
        await using var node = await FakeClockNode.StartAsync(T0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), "cls-uses", new Dictionary<string, string>
        {
            ["maxBatchSize"] = "1", ["maxInstances"] = "1", ["instanceConcurrency"] = "1", ["keepAliveSeconds"] = "300",
        });
        await node.AdvanceToAsync(TimeSpan.FromSeconds(1));
        await node.SendAsync(3);

        await node.AdvanceToAsync(TimeSpan.FromSeconds(6));
        var instance = Assert.Single((await node.StatusAsync())["instances"]!.AsArray());

        Assert.Equal(3, instance!["uses"]!.GetValue<long>());
    }

    private static async Task<int> QueueDepthAsync(StokeClient client) =>
        (await client.StatusAsync())["nodes"]!.AsArray().SelectMany(n => n!["instances"]!.AsArray()).Sum(i => i!["queueDepth"]!.GetValue<int>());

    private static async Task<string> MetricsAsync(EmbeddedStoke node)
    {
        using var http = new HttpClient { BaseAddress = node.Address };
        return await http.GetStringAsync("/metrics");
    }

    private static long Count(string metrics, string function, string route)
    {
        var match = Regex.Match(metrics, $@"stoke_routing_decisions_total\{{[^}}]*stoke_function=""{function}""[^}}]*stoke_route=""{route}""[^}}]*stoke_tenant=""default""[^}}]*\}} (\d+)");
        Assert.True(match.Success, $"no {route} count for {function} in:\n{string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("stoke_routing", StringComparison.Ordinal)))}");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
