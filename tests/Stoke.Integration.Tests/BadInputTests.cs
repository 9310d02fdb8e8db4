using System.Net;
using System.Text;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>Each kind of bad input gets a clear error with the right status, and nothing is half-done.</summary>
public sealed class BadInputTests(SharedStoke stoke) : IClassFixture<SharedStoke>, IAsyncLifetime
{
    private StokeClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = stoke.Node.Client();
        await _client.DeployAsync("cls-bad", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "60" });
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task MalformedJsonIs400()
    {
        var r = await _client.InferAsync("cls-bad", """{"inputs":[{"name":"x","shape":[1,3""");
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Contains("error", r.Text);
    }

    [Fact]
    public async Task UnknownModelIs404()
    {
        var r = await _client.InferAsync("no-such-model", TestModels.ClassifierJson());
        Assert.Equal(HttpStatusCode.NotFound, r.Status);
        Assert.Contains("no-such-model", r.Text);
    }

    [Fact]
    public async Task UnknownVersionIs404()
    {
        var r = await _client.InferAsync("cls-bad", TestModels.ClassifierJson(), version: 99);
        Assert.Equal(HttpStatusCode.NotFound, r.Status);
    }

    [Fact]
    public async Task WrongInputNameIs400NamingIt()
    {
        var r = await _client.InferAsync("cls-bad", TestModels.ClassifierJson().Replace("\"name\":\"x\"", "\"name\":\"image\""));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Contains("image", r.Text);
    }

    [Fact]
    public async Task WrongShapeIs400()
    {
        // The classifier's width is free but its channel count is fixed at 3.
        var body = """{"inputs":[{"name":"x","shape":[1,4,48,100],"datatype":"FP32","data":[""" + string.Join(",", Enumerable.Repeat("0", 4 * 48 * 100)) + "]}]}";
        var r = await _client.InferAsync("cls-bad", body);
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Contains("x", r.Text);
    }

    [Fact]
    public async Task WrongDatatypeIs400()
    {
        var r = await _client.InferAsync("cls-bad", TestModels.ClassifierJson().Replace("\"FP32\"", "\"FP64\""));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Contains("FP32", r.Text);
    }

    [Fact]
    public async Task WrongDataLengthIs400()
    {
        var r = await _client.InferAsync("cls-bad", """{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","data":[1,2,3]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
    }

    [Fact]
    public async Task BinaryPayloadShorterThanHeaderSaysIs400()
    {
        var (header, tail) = TestModels.ClassifierBinary();
        var r = await _client.InferBinaryAsync("cls-bad", header, tail[..^4]);
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
    }

    [Fact]
    public async Task BodyOverLimitIs413()
    {
        var huge = TestModels.ClassifierJson(rows: 60);
        Assert.True(Encoding.UTF8.GetByteCount(huge) > 4 << 20);
        // Expect: 100-continue lets the client hear the refusal before it sends the body, as real clients do.
        using var http = new HttpClient { BaseAddress = stoke.Node.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/models/cls-bad/infer") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("too large", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InvalidOnnxDeployFailsAndRegistersNothing()
    {
        var garbage = Encoding.UTF8.GetBytes("this is not an onnx model at all");
        var error = await Assert.ThrowsAsync<StokeClientException>(() => _client.DeployAsync("broken", garbage));
        var list = await _client.ListAsync();

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("not a valid onnx model", error.Message);
        Assert.DoesNotContain(list.AsArray(), f => f!["name"]!.GetValue<string>() == "broken");
    }

    [Fact]
    public async Task UnknownDeploySettingIs400()
    {
        var error = await Assert.ThrowsAsync<StokeClientException>(() =>
            _client.DeployAsync("cls-setting", TestModels.Classifier, new Dictionary<string, string> { ["maxBatch"] = "4" }));
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("maxBatch", error.Message);
    }

    [Fact]
    public async Task UnknownPolicyNameIs400ListingKnownOnes()
    {
        var error = await Assert.ThrowsAsync<StokeClientException>(() =>
            _client.DeployAsync("cls-policy", TestModels.Classifier, new Dictionary<string, string> { ["autoscaler"] = "magic" }));
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("kpa", error.Message);
    }

    [Fact]
    public async Task ANodeNamingAnUnknownPlacementOrEvictionPolicyFailsToStart()
    {
        var placement = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => EmbeddedStoke.StartAsync(o => o.Placement = "fastest"));
        var eviction = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => EmbeddedStoke.StartAsync(o => o.Eviction = "random"));

        Assert.Contains("fastest", placement.Message, StringComparison.Ordinal);
        Assert.Contains("random", eviction.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployNamingAnUnknownRoutingPolicyIs400NamingTheKnownOnes()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => _client.DeployAsync("cls-routing", TestModels.Classifier, new Dictionary<string, string> { ["routing"] = "round-robin" }));

        Assert.Contains("round-robin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("power-of-two", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadlineExpiringDuringColdStartIs504WithReason()
    {
        await _client.DeployAsync("cls-deadline", TestModels.Classifier);
        var r = await _client.InferAsync("cls-deadline", TestModels.ClassifierJson(), timeout: TimeSpan.FromMilliseconds(1));
        var usage = (await _client.UsageAsync("cls-deadline"))["total"]!;

        Assert.Equal(HttpStatusCode.GatewayTimeout, r.Status);
        Assert.Contains("cold start", r.Text);
        // The refusal is metered as a failure, with its reason.
        Assert.Equal(1, usage["failures"]!.GetValue<long>());
        Assert.Equal(1, usage["failureReasons"]!["deadline_exceeded"]!.GetValue<long>());
    }

    [Fact]
    public async Task FullActivatorQueueIs503WithRetryAfter()
    {
        // An instance of 20 GB never fits the node's 8 GB budget, so requests stay held: the queue fills deterministically.
        await _client.DeployAsync("cls-full", TestModels.Classifier, new Dictionary<string, string> { ["maxQueued"] = "2", ["memoryMb"] = "20000" });
        var held = Enumerable.Range(0, 2).Select(_ => _client.InferAsync("cls-full", TestModels.ClassifierJson(), timeout: TimeSpan.FromSeconds(20))).ToArray();
        await Eventually.ReturnsAsync(
            async () => (await _client.DescribeAsync("cls-full"))["status"]![0]!["held"]!.GetValue<int>(), n => n == 2, TimeSpan.FromSeconds(10), "two held requests");

        var refused = await _client.InferAsync("cls-full", TestModels.ClassifierJson(), timeout: TimeSpan.FromSeconds(20));
        await _client.DeleteAsync("cls-full");
        var released = await Task.WhenAll(held);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.NotNull(refused.Header("Retry-After"));
        Assert.Contains("waiting for an instance", refused.Text);
        Assert.All(released, r => Assert.Equal(HttpStatusCode.NotFound, r.Status));
    }

    [Fact]
    public async Task ZeroQueueRefusesWithRetryAfterButStartsAnInstanceForTheRetry()
    {
        await _client.DeployAsync("cls-noqueue", TestModels.Classifier, new Dictionary<string, string> { ["maxQueued"] = "0", ["keepAliveSeconds"] = "60" });

        var first = await _client.InferAsync("cls-noqueue", TestModels.ClassifierJson());
        var retried = await Eventually.ReturnsAsync(
            () => _client.InferAsync("cls-noqueue", TestModels.ClassifierJson()), r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "a retry to succeed");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Status);
        Assert.NotNull(first.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, retried.Status);
    }
}
