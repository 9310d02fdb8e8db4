using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Hosting;

namespace Stoke.Integration.Tests;

/// <summary>Deploy and serve real models over real HTTP on one embedded node.</summary>
public sealed class ServingTests(SharedStoke stoke) : IClassFixture<SharedStoke>
{
    private static readonly Dictionary<string, string> Quick = new() { ["keepAliveSeconds"] = "60" };

    // One instance batching up to 8 requests, each waiting at most maxQueueDelayMs for its batch to fill.
    private static Dictionary<string, string> Batching(int maxQueueDelayMs) => new()
    {
        ["maxBatchSize"] = "8", ["maxQueueDelayMs"] = maxQueueDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["maxInstances"] = "1", ["keepAliveSeconds"] = "60",
    };

    [Fact]
    public async Task DeploysAndInfersWithJsonTensors()
    {
        using var client = stoke.Node.Client();
        var spec = await client.DeployAsync("cls-json", TestModels.Classifier, Quick);
        Assert.Equal(1, spec["version"]!.GetValue<int>());

        var response = await client.InferAsync("cls-json", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var output = response.Json!["outputs"]![0]!;
        Assert.Equal(new[] { 1L, 2L }, output["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        var probabilities = output["data"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(1.0, probabilities.Sum(), 3);
    }

    [Fact]
    public async Task FirstRequestColdStartsAndSecondIsWarm()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-cold", TestModels.Classifier, Quick);

        var first = await client.InferAsync("cls-cold", TestModels.ClassifierJson());
        var second = await client.InferAsync("cls-cold", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.NotNull(first.Header("Stoke-Cold-Start-Tier"));
        Assert.Null(second.Header("Stoke-Cold-Start-Tier"));
    }

    [Fact]
    public async Task BinaryTensorExtensionGivesSameResultAsJson()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-bin", TestModels.Classifier, Quick);
        var (header, tail) = TestModels.ClassifierBinary(seed: 0.7f);

        var binary = await client.InferBinaryAsync("cls-bin", header, tail);
        var json = await client.InferAsync("cls-bin", TestModels.ClassifierJson(seed: 0.7f));

        Assert.Equal(HttpStatusCode.OK, binary.Status);
        Assert.Equal(json.Json!["outputs"]![0]!["data"]!.ToJsonString(), binary.Json!["outputs"]![0]!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task NewDeployIsNewVersionAndDefaultIsLatest()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-ver", TestModels.Classifier, Quick);
        var v2 = await client.DeployAsync("cls-ver", TestModels.Classifier, Quick);

        var latest = await client.InferAsync("cls-ver", TestModels.ClassifierJson());
        var pinned = await client.InferAsync("cls-ver", TestModels.ClassifierJson(), version: 1);

        Assert.Equal(2, v2["version"]!.GetValue<int>());
        Assert.Equal("2", latest.Header("Stoke-Version"));
        Assert.Equal("1", pinned.Header("Stoke-Version"));
        Assert.Equal("1", pinned.Json!["model_version"]!.GetValue<string>());
    }

    // A caller that waits for each answer before it sends the next cannot fill a batch, however fast it sends: its
    // requests are not held for the queue delay (5 s here, so a held request would show it in its queue time).
    [Fact]
    public async Task ASequentialCallerIsNotHeldForABatchItCannotFill()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-seq", TestModels.Classifier, Batching(maxQueueDelayMs: 5000));
        var (header, tail) = TestModels.ClassifierBinary();
        await client.InferBinaryAsync("cls-seq", header, tail);

        for (var i = 0; i < 10; i++)
        {
            var response = await client.InferBinaryAsync("cls-seq", header, tail);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("1", response.Header("Stoke-Batch-Size"));
            Assert.True(double.Parse(response.Header("Stoke-Queue-Ms")!, System.Globalization.CultureInfo.InvariantCulture) < 2500, $"call {i} was held {response.Header("Stoke-Queue-Ms")} ms");
        }
    }

    [Fact]
    public async Task MergesConcurrentRequestsIntoBatches()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-batch", TestModels.Classifier, Batching(maxQueueDelayMs: 20));
        var (header, tail) = TestModels.ClassifierBinary();
        await client.InferBinaryAsync("cls-batch", header, tail);

        var responses = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ => client.InferBinaryAsync("cls-batch", header, tail)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Contains(responses, r => int.Parse(r.Header("Stoke-Batch-Size")!) > 1);
        var expected = responses[0].Json!["outputs"]![0]!["data"]!.ToJsonString();
        Assert.All(responses, r => Assert.Equal(expected, r.Json!["outputs"]![0]!["data"]!.ToJsonString()));
    }

    [Fact]
    public async Task ListDescribeAndDeleteFunction()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-crud", TestModels.Classifier, Quick);
        await client.InferAsync("cls-crud", TestModels.ClassifierJson());

        var list = await client.ListAsync();
        var described = await client.DescribeAsync("cls-crud");
        await client.DeleteAsync("cls-crud");
        var after = await client.InferAsync("cls-crud", TestModels.ClassifierJson());

        Assert.Contains(list.AsArray(), f => f!["name"]!.GetValue<string>() == "cls-crud");
        Assert.Equal("x", described["latest"]!["signature"]!["inputs"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, after.Status);
    }

    [Fact]
    public async Task UsageCountsRequestsColdStartsAndMemoryTime()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-usage", TestModels.Classifier, Quick);
        for (var i = 0; i < 3; i++)
        {
            await client.InferAsync("cls-usage", TestModels.ClassifierJson());
        }

        var usage = await client.UsageAsync("cls-usage");

        var row = usage["functions"]![0]!;
        Assert.Equal(3, row["requests"]!.GetValue<long>());
        Assert.Equal(1, row["coldStarts"]!.GetValue<long>());
        Assert.True(row["memoryMbSeconds"]!.GetValue<double>() > 0);
        Assert.True(row["computeMs"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task EachRequestHasAUsageRecordWithItsPhases()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-records", TestModels.Classifier, Quick);
        await client.InferAsync("cls-records", TestModels.ClassifierJson());
        await client.InferAsync("cls-records", TestModels.ClassifierJson());
        using var http = new HttpClient { BaseAddress = stoke.Node.Address };

        var records = JsonNode.Parse(await http.GetStringAsync("api/usage/records?function=cls-records"))!.AsArray();

        Assert.Equal(2, records.Count);
        Assert.Null(records[0]!["coldStartTier"]);
        Assert.NotNull(records[1]!["coldStartTier"]);
        Assert.All(records, r => Assert.True(r!["computeMs"]!.GetValue<double>() > 0));
        Assert.All(records, r => Assert.Equal(1, r!["version"]!.GetValue<int>()));
    }

    [Fact]
    public async Task EachRequestsEnergyIsEstimatedFromItsComputeAndMemoryAndSummedInUsageAndMetrics()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-energy", TestModels.Classifier, Quick);
        var answers = new List<InferResponse>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await client.InferAsync("cls-energy", TestModels.ClassifierJson()));
        }

        using var http = new HttpClient { BaseAddress = stoke.Node.Address };
        var records = JsonNode.Parse(await http.GetStringAsync("api/usage/records?function=cls-energy"))!.AsArray();
        var usage = (await client.UsageAsync("cls-energy"))["functions"]![0]!;
        var metrics = await http.GetStringAsync("metrics");

        var node = stoke.Node.Services.GetRequiredService<IOptions<StokeNodeOptions>>().Value;
        Assert.Equal(3, records.Count);
        foreach (var r in records)
        {
            var expected = node.Energy.RequestJoules(r!["computeMs"]!.GetValue<double>(), node.EngineCores, r["batchSize"]!.GetValue<int>(), r["memoryMbSeconds"]!.GetValue<double>());
            Assert.True(expected > 0);
            Assert.Equal(expected, r["energyJoules"]!.GetValue<double>(), 9);
        }

        Assert.Equal(records.Sum(r => r!["energyJoules"]!.GetValue<double>()), usage["energyJoules"]!.GetValue<double>(), 9);
        Assert.All(answers, a => Assert.True(double.Parse(a.Header("Stoke-Energy-J")!, System.Globalization.CultureInfo.InvariantCulture) > 0));
        Assert.Contains("stoke_request_energy_joules_total{stoke_function=\"cls-energy\",stoke_tenant=\"default\"}", metrics);
    }

    [Fact]
    public async Task MetricsExposeRequestsBatchesInstancesAndColdStartsByTier()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-metrics", TestModels.Classifier, Quick);
        await client.InferAsync("cls-metrics", TestModels.ClassifierJson());
        using var http = new HttpClient { BaseAddress = stoke.Node.Address };

        var text = await http.GetStringAsync("metrics");

        Assert.Contains("stoke_requests_total{http_response_status_code=\"200\",stoke_function=\"cls-metrics\",stoke_tenant=\"default\"}", text);
        Assert.Contains("stoke_request_duration_seconds_bucket{http_response_status_code=\"200\",stoke_function=\"cls-metrics\",stoke_tenant=\"default\",le=", text);
        Assert.Contains("stoke_batch_size_bucket{stoke_function=\"cls-metrics\",stoke_tenant=\"default\",le=", text);
        Assert.Contains("stoke_instances{stoke_instance_state=\"ready\"}", text);
        Assert.Contains("stoke_cold_starts_total{stoke_artifact_tier=\"", text);
        Assert.Contains("\",stoke_function=\"cls-metrics\",stoke_tenant=\"default\"}", text);
        Assert.Contains("stoke_cold_start_phase_duration_seconds_bucket{stoke_artifact_tier=\"", text);
        Assert.Contains("stoke_node_memory_used_bytes", text);
        Assert.Contains("http_server_request_duration_seconds_bucket{http_request_method=\"POST\",http_response_status_code=\"200\",http_route=\"/v2/models/{name}/infer\"", text);
    }

    [Fact]
    public async Task StatusShowsInstancesAndDecisions()
    {
        using var client = stoke.Node.Client();
        await client.DeployAsync("cls-status", TestModels.Classifier, Quick);
        await client.InferAsync("cls-status", TestModels.ClassifierJson());

        var status = await client.StatusAsync();

        var fn = status["functions"]!.AsArray().Single(f => f!["function"]!.GetValue<string>() == "default/cls-status")!;
        Assert.Equal("Ready", fn["instances"]![0]!["phase"]!.GetValue<string>());
        Assert.Contains(fn["recentDecisions"]!.AsArray(), d => d!["kind"]!.GetValue<string>() == "ready");
    }
}
