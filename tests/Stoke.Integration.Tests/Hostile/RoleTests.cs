using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>
/// Operator keys and tenant keys on one node: only an operator reads <c>/metrics</c>, sets prices and sees the whole
/// cluster; a tenant sees its own functions and nothing of a node that tells of other tenants' work.
/// </summary>
public sealed class RoleTests : IAsyncLifetime
{
    private const string OperatorKey = "sk-operator-0123456789";
    private const string KeyA = "sk-tenant-a-0123456789";
    private const string KeyB = "sk-tenant-b-0123456789";
    private const string LimitedKeyB = "sk-tenant-b-limited-0123";
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(gateway: g => g.ApiKeys =
    [
        new ApiKeyOptions { Key = OperatorKey, Tenant = "ops", Role = ApiKeyRole.Operator },
        new ApiKeyOptions { Key = KeyA, Tenant = "a" },
        new ApiKeyOptions { Key = KeyB, Tenant = "b" },
        new ApiKeyOptions { Key = LimitedKeyB, Tenant = "b", RequestsPerMinute = 2 },
    ]);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task TenantKeyCannotReadMetrics()
    {
        using var http = Http(KeyA);
        var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task MetricsWithoutKeyIs401()
    {
        using var http = Http(null);
        var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task OperatorKeyReadsMetrics()
    {
        using var http = Http(OperatorKey);
        var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameNamedFunctionsOfTwoTenantsAreTwoSeries()
    {
        using var a = _node.Client(KeyA);
        using var b = _node.Client(KeyB);
        await a.DeployAsync("twin", TestModels.Classifier);
        await b.DeployAsync("twin", TestModels.Classifier);
        Assert.Equal(HttpStatusCode.OK, (await a.InferAsync("twin", TestModels.ClassifierJson())).Status);
        Assert.Equal(HttpStatusCode.OK, (await b.InferAsync("twin", TestModels.ClassifierJson())).Status);

        using var http = Http(OperatorKey);
        var series = (await http.GetStringAsync("metrics")).Split('\n')
            .Where(l => l.StartsWith("stoke_requests_total{", StringComparison.Ordinal) && l.Contains("stoke_function=\"twin\"", StringComparison.Ordinal))
            .ToArray();

        Assert.Single(series, l => l.Contains("stoke_tenant=\"a\"", StringComparison.Ordinal));
        Assert.Single(series, l => l.Contains("stoke_tenant=\"b\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TenantStatusShowsNoOtherTenantsFunctionsHashesOrNodeMemory()
    {
        using var a = _node.Client(KeyA);
        using var b = _node.Client(KeyB);
        await a.DeployAsync("a-private", TestModels.Classifier);
        Assert.Equal(HttpStatusCode.OK, (await a.InferAsync("a-private", TestModels.ClassifierJson())).Status);
        var hash = Convert.ToHexStringLower(SHA256.HashData(TestModels.Classifier));

        using var http = Http(KeyB);
        var raw = await http.GetStringAsync("api/status");
        var status = System.Text.Json.Nodes.JsonNode.Parse(raw)!;
        var node = status["nodes"]!.AsArray().Single()!;

        Assert.DoesNotContain("a-private", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(hash, raw, StringComparison.Ordinal);
        Assert.Equal(0, node["memoryUsedBytes"]!.GetValue<long>());
        Assert.Equal(0, node["memoryTierUsedBytes"]!.GetValue<long>());
    }

    [Fact]
    public async Task OperatorStatusShowsEveryTenantsFunctionsAndTheNodeWhole()
    {
        using var a = _node.Client(KeyA);
        await a.DeployAsync("a-seen", TestModels.Classifier);
        Assert.Equal(HttpStatusCode.OK, (await a.InferAsync("a-seen", TestModels.ClassifierJson())).Status);

        using var ops = _node.Client(OperatorKey);
        var status = await ops.StatusAsync();

        Assert.Contains(status["functions"]!.AsArray(), f => f!["function"]!.GetValue<string>() == "a/a-seen");
        Assert.True(status["nodes"]![0]!["memoryUsedBytes"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task TenantDeployWithAPriceIsRefusedAndDeploysNothing()
    {
        using var b = _node.Client(KeyB);
        var error = await Assert.ThrowsAsync<StokeClientException>(() => b.DeployAsync("priced", TestModels.Classifier, Price("pricePerGbSecond", "0")));
        var listed = await b.ListAsync();

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("prices are set by an operator", error.ServerMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(listed.AsArray(), f => f!["name"]!.GetValue<string>() == "priced");
    }

    [Fact]
    public async Task OperatorSetsPricesButNotNegativeOnes()
    {
        using var ops = _node.Client(OperatorKey);
        var negative = await Assert.ThrowsAsync<StokeClientException>(() => ops.DeployAsync("priced", TestModels.Classifier, Price("pricePer1kInputTokens", "-1")));
        var free = await ops.DeployAsync("priced", TestModels.Classifier, Price("pricePerGbSecond", "0"));

        Assert.Equal(HttpStatusCode.BadRequest, negative.Status);
        Assert.Equal(0m, free["pricing"]!["perGbSecond"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task QuotaHoldsOnV2Infer()
    {
        using var owner = _node.Client(KeyB);
        await owner.DeployAsync("quota-cls", TestModels.Classifier);
        using var limited = _node.Client(LimitedKeyB);

        var first = await limited.InferAsync("quota-cls", TestModels.ClassifierJson());
        var second = await limited.InferAsync("quota-cls", TestModels.ClassifierJson());
        var third = await limited.InferAsync("quota-cls", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.Status);
        Assert.NotNull(third.Header("Retry-After"));
        Assert.Contains("requests per minute (limit 2", third.Text, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Price(string setting, string value) => new() { [setting] = value };

    private HttpClient Http(string? key)
    {
        var http = new HttpClient { BaseAddress = _node.Address };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }
}
