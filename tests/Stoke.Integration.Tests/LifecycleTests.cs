using System.Net;
using System.Text.Json.Nodes;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>Instances come and go: scale to zero, scale out on a burst, eviction under a memory budget, restarts.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task ScalesToZeroAfterKeepAlive()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using var client = node.Client();
        await client.DeployAsync("cls-ttl", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "1", ["stableWindowSeconds"] = "2", ["panicWindowSeconds"] = "1" });
        await client.InferAsync("cls-ttl", TestModels.ClassifierJson());

        var status = await Eventually.ReturnsAsync(
            () => FunctionStatusAsync(client, "cls-ttl"), s => s!["instances"]!.AsArray().Count == 0, TimeSpan.FromSeconds(20), "scale to zero");
        var again = await client.InferAsync("cls-ttl", TestModels.ClassifierJson());

        Assert.Contains(status!["recentDecisions"]!.AsArray(), d => d!["kind"]!.GetValue<string>() == "stop");
        Assert.NotNull(again.Header("Stoke-Cold-Start-Tier"));
    }

    [Fact]
    public async Task KeepsMinInstancesWarm()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using var client = node.Client();
        await client.DeployAsync("cls-min", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "0.5", ["minInstances"] = "1", ["stableWindowSeconds"] = "1", ["panicWindowSeconds"] = "0.5" });
        var first = await client.InferAsync("cls-min", TestModels.ClassifierJson());

        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await client.InferAsync("cls-min", TestModels.ClassifierJson());

        Assert.NotNull(first.Header("Stoke-Cold-Start-Tier"));
        Assert.Null(later.Header("Stoke-Cold-Start-Tier"));
    }

    [Fact]
    public async Task ScalesOutUnderBurstWithinMaxInstances()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using var client = node.Client();
        await client.DeployAsync("cls-burst", TestModels.Classifier, new Dictionary<string, string>
        {
            ["targetConcurrency"] = "1", ["maxInstances"] = "3", ["maxBatchSize"] = "1", ["keepAliveSeconds"] = "30", ["panicWindowSeconds"] = "1", ["stableWindowSeconds"] = "10",
        });
        var (header, tail) = TestModels.ClassifierBinary(rows: 4);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var load = Enumerable.Range(0, 12).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                await client.InferBinaryAsync("cls-burst", header, tail);
            }
        }).ToArray();

        var status = await Eventually.ReturnsAsync(
            () => FunctionStatusAsync(client, "cls-burst"), s => s!["instances"]!.AsArray().Count > 1, TimeSpan.FromSeconds(6), "scale out");
        await Task.WhenAll(load);
        var peak = (await FunctionStatusAsync(client, "cls-burst"))!["instances"]!.AsArray().Count;

        Assert.InRange(status!["instances"]!.AsArray().Count, 2, 3);
        Assert.InRange(peak, 1, 3);
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
