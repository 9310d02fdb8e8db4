using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Observability;

/// <summary>A real Prometheus scrapes a real node, and PromQL over Stoke's metric names returns the request rate.</summary>
public sealed class PrometheusScrapeTests : IAsyncLifetime
{
    private EmbeddedStoke _node = null!;
    private PrometheusServer _prometheus = null!;

    public async Task InitializeAsync()
    {
        _node = await EmbeddedStoke.StartAsync();
        _prometheus = await PrometheusServer.StartAsync(_node.Address);
    }

    public async Task DisposeAsync()
    {
        await _prometheus.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task PromQlReturnsTheRequestRateOfAFunction()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-prom", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "600" });
        const string query = """sum(rate(stoke_requests_total{stoke_function="cls-prom",http_response_status_code="200"}[10s]))""";

        // Requests keep coming while Prometheus takes the two scrapes a rate needs.
        double? rate = null;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (rate is not > 0 && DateTime.UtcNow < until)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.InferAsync("cls-prom", TestModels.ClassifierJson())).Status);
            await Task.Delay(100);
            rate = await _prometheus.QueryAsync(query);
        }

        Assert.True(rate > 0, $"{query} = {rate?.ToString() ?? "no series"}; scrape target {await _prometheus.TargetHealthAsync()}");
    }

    [Fact]
    public async Task DashboardQueriesRunOnPrometheusOverNamesTheNodeExports()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-dash", TestModels.Classifier);
        Assert.Equal(HttpStatusCode.OK, (await client.InferAsync("cls-dash", TestModels.ClassifierJson())).Status);
        using var http = new HttpClient { BaseAddress = _node.Address };
        var exported = await http.GetStringAsync("metrics");
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(DashboardPath()))!;
        var queries = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray().Select(t => t!["expr"]!.GetValue<string>())).ToList();

        Assert.NotEmpty(queries);
        foreach (var query in queries)
        {
            // Grafana's variables as Grafana fills them for "All" and a 15 s scrape.
            await _prometheus.QueryAsync(query.Replace("$function", ".*", StringComparison.Ordinal).Replace("$__rate_interval", "1m", StringComparison.Ordinal));
            // Every metric in the dashboard is written with a selector ({...} or [...]); labels never are.
            foreach (var name in Regex.Matches(query, @"\b(?:stoke|http_server)_[a-z_]+(?=[{\[])").Select(m => m.Value).Where(n => !n.StartsWith("stoke_llm_", StringComparison.Ordinal)))
            {
                Assert.True(exported.Contains("\n" + name, StringComparison.Ordinal), $"the dashboard reads {name}, which /metrics does not export");
            }
        }
    }

    private static string DashboardPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "docs", "grafana", "stoke.json");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("docs/grafana/stoke.json not found above " + AppContext.BaseDirectory);
    }
}
