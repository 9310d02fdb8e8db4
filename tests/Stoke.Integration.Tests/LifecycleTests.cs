using System.Net;
using System.Text.Json.Nodes;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>Instances come and go: scale to zero, scale out on a burst, eviction under a memory budget, restarts.</summary>
public sealed class LifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ScalesToZeroAfterKeepAlive()
    {
        await using var node = await FakeClockNode.StartAsync(T0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), "cls-ttl", new Dictionary<string, string>
        {
            ["keepAliveSeconds"] = "10", ["stableWindowSeconds"] = "4", ["panicWindowSeconds"] = "2", ["maxBatchSize"] = "1",
        });
        await node.AdvanceToAsync(TimeSpan.FromSeconds(1));
        await node.SendAsync(1);

        await node.AdvanceToAsync(TimeSpan.FromSeconds(25));
        var status = await node.StatusAsync();
        await node.SendAsync(1);
        await node.AdvanceToAsync(TimeSpan.FromSeconds(27));
        var responses = await node.AllAsync();

        Assert.Empty(status["instances"]!.AsArray());
        var stop = Assert.Single(status["recentDecisions"]!.AsArray(), d => d!["kind"]!.GetValue<string>() == "stop");
        // The keep-alive counts from the last arrival (1 s): released at 11 s, not before.
        Assert.Equal(T0.AddSeconds(11), stop!["at"]!.GetValue<DateTimeOffset>());
        Assert.NotNull(responses[1].Response.Header("Stoke-Cold-Start-Tier"));
    }

    [Fact]
    public async Task KeepsMinInstancesWarm()
    {
        await using var node = await FakeClockNode.StartAsync(T0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), "cls-min", new Dictionary<string, string>
        {
            ["keepAliveSeconds"] = "0.5", ["minInstances"] = "1", ["stableWindowSeconds"] = "1", ["panicWindowSeconds"] = "0.5", ["maxBatchSize"] = "1",
        });
        await node.AdvanceToAsync(TimeSpan.FromSeconds(1));
        await node.SendAsync(1);

        await node.AdvanceToAsync(TimeSpan.FromSeconds(120));
        await node.SendAsync(1);
        await node.AdvanceToAsync(TimeSpan.FromSeconds(122));
        var responses = await node.AllAsync();
        var status = await node.StatusAsync();

        Assert.NotNull(responses[0].Response.Header("Stoke-Cold-Start-Tier"));
        Assert.Null(responses[1].Response.Header("Stoke-Cold-Start-Tier"));
        Assert.DoesNotContain(status["recentDecisions"]!.AsArray(), d => d!["kind"]!.GetValue<string>() == "stop");
    }

    [Fact]
    public async Task ScalesOutUnderBurstToMaxInstancesAndBackToZero()
    {
        await using var node = await FakeClockNode.StartAsync(T0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), "cls-burst", new Dictionary<string, string>
        {
            ["targetConcurrency"] = "1", ["instanceConcurrency"] = "1", ["maxInstances"] = "3", ["maxBatchSize"] = "1",
            ["keepAliveSeconds"] = "10", ["panicWindowSeconds"] = "2", ["stableWindowSeconds"] = "6",
        });
        await node.AdvanceToAsync(TimeSpan.FromSeconds(1));
        await node.SendAsync(12);

        var peak = 0;
        for (var second = 2; second <= 60; second++)
        {
            await node.AdvanceToAsync(TimeSpan.FromSeconds(second));
            peak = Math.Max(peak, (await node.StatusAsync())["instances"]!.AsArray().Count(i => i!["phase"]!.GetValue<string>() is "Loading" or "Ready"));
        }

        var responses = await node.AllAsync();
        var status = await node.StatusAsync();

        Assert.All(responses, r => Assert.Equal(System.Net.HttpStatusCode.OK, r.Response.Status));
        Assert.Equal(3, peak);
        Assert.Equal(3, status["recentDecisions"]!.AsArray().Count(d => d!["kind"]!.GetValue<string>() == "start"));
        Assert.Empty(status["instances"]!.AsArray());
    }

    [Fact]
    public async Task EvictsIdleInstanceWhenNodeMemoryIsFull()
    {
        // Room for one classifier instance only (each is budgeted at 40 MiB).
        await using var node = await EmbeddedStoke.StartAsync(o => o.MemoryBytes = 60L << 20);
        using var client = node.Client();
        var settings = new Dictionary<string, string> { ["keepAliveSeconds"] = "300", ["memoryMb"] = "40" };
        await client.DeployAsync("cls-a", TestModels.Classifier, settings);
        await client.DeployAsync("cls-b", TestModels.Classifier, settings);
        await client.InferAsync("cls-a", TestModels.ClassifierJson());

        var b = await client.InferAsync("cls-b", TestModels.ClassifierJson());
        var a = await FunctionStatusAsync(client, "cls-a");

        Assert.Equal(HttpStatusCode.OK, b.Status);
        Assert.Empty(a!["instances"]!.AsArray());
        Assert.Contains(a["recentDecisions"]!.AsArray(), d => d!["kind"]!.GetValue<string>() == "gone");
    }

    [Fact]
    public async Task InstanceThatCannotFitIsRefusedClearly()
    {
        await using var node = await EmbeddedStoke.StartAsync(o => o.MemoryBytes = 30L << 20);
        using var client = node.Client();
        await client.DeployAsync("cls-huge", TestModels.Classifier, new Dictionary<string, string> { ["memoryMb"] = "100" });

        var r = await client.InferAsync("cls-huge", TestModels.ClassifierJson(), timeout: TimeSpan.FromSeconds(2));

        Assert.Equal(HttpStatusCode.GatewayTimeout, r.Status);
        Assert.Contains("MiB", r.Text);
    }

    [Fact]
    public async Task FunctionWhoseLabelsNoNodeCarriesIsRefusedNamingTheLabels()
    {
        await using var node = await EmbeddedStoke.StartAsync(o => o.Labels["zone"] = "a");
        using var client = node.Client();
        await client.DeployAsync("cls-gpu", TestModels.Classifier, new Dictionary<string, string> { ["label"] = "accelerator=gpu" });

        var r = await client.InferAsync("cls-gpu", TestModels.ClassifierJson(), timeout: TimeSpan.FromSeconds(2));

        Assert.Equal(HttpStatusCode.GatewayTimeout, r.Status);
        Assert.Contains("accelerator=gpu", r.Text);
    }

    [Fact]
    public async Task DeployedFunctionsSurviveRestartAndLoadFromRepository()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using (var client = node.Client())
        {
            await client.DeployAsync("cls-persist", TestModels.Classifier);
            await client.DeployAsync("cls-persist", TestModels.Classifier);
        }

        await node.RestartAsync();
        using var after = node.Client();
        var r = await after.InferAsync("cls-persist", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("2", r.Header("Stoke-Version"));
        Assert.Equal("repository", r.Header("Stoke-Cold-Start-Tier"));
    }

    private static async Task<JsonNode?> FunctionStatusAsync(StokeClient client, string name) =>
        (await client.DescribeAsync(name))["status"]!.AsArray()[^1];
}
