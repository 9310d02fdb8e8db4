using System.Net;
using System.Text;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Policies;

/// <summary>
/// A function deployed with shadow policies on a real node: requests are served by the live policies alone, and
/// describe and /metrics show what the shadow would have done beside what the live ones did.
/// </summary>
public sealed class ShadowPolicyTests : IAsyncLifetime
{
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task DescribeAndMetricsShowTheShadowBesideTheLivePolicies()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-shadow", TestModels.Classifier, new Dictionary<string, string>
        {
            ["keepAliveSeconds"] = "600",
            ["shadowAutoscaler"] = "guarded-predictive",
            ["shadowKeepAlive"] = "hybrid-histogram",
        });
        using var http = new HttpClient { BaseAddress = _node.Address };
        for (var i = 0; i < 5; i++)
        {
            using var response = await http.PostAsync("v2/models/cls-shadow/infer", new StringContent(TestModels.ClassifierJson(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The shadow's account is kept by the controller's ticks.
        var shadow = await Eventually.ReturnsAsync(
            async () => (await client.DescribeAsync("cls-shadow"))["status"]![0]!["shadow"],
            s => s is not null && s["liveInstanceHours"]!.GetValue<double>() > 0, TimeSpan.FromSeconds(20), "the shadow's account after a few ticks");

        Assert.Equal("guarded-predictive", shadow!["autoscaler"]!.GetValue<string>());
        Assert.Equal("hybrid-histogram", shadow["keepAlive"]!.GetValue<string>());
        Assert.Equal(1, shadow["liveInstanceStarts"]!.GetValue<long>());
        Assert.Single((await client.DescribeAsync("cls-shadow"))["status"]![0]!["instances"]!.AsArray());
        var metrics = await http.GetStringAsync("metrics");
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("stoke_policy_instance_time_seconds_total{", StringComparison.Ordinal)
            && l.Contains("stoke_function=\"cls-shadow\"", StringComparison.Ordinal) && l.Contains("stoke_policy_role=\"shadow\"", StringComparison.Ordinal));
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("stoke_policy_instance_time_seconds_total{", StringComparison.Ordinal)
            && l.Contains("stoke_function=\"cls-shadow\"", StringComparison.Ordinal) && l.Contains("stoke_policy_role=\"live\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownShadowPolicyIsRefusedAtDeploy()
    {
        using var client = _node.Client();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.DeployAsync("cls-bad-shadow", TestModels.Classifier, new Dictionary<string, string> { ["shadowAutoscaler"] = "oracle" }));
        Assert.Contains("ShadowAutoscaler", error.Message, StringComparison.Ordinal);
    }
}
