using System.Net;
using System.Text.Json.Nodes;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>
/// `stoke serve --redis` processes whose real redis-server goes away, or comes back empty (no persistence). The nodes
/// are killed at the end: with its store gone, an Orleans silo's graceful stop waits on membership writes for minutes.
/// </summary>
public sealed class StoreLossTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private static readonly Dictionary<string, string> FastProbe = new() { ["Stoke__Store__ProbeInterval"] = "00:00:00.200" };
    private readonly string _root = Directory.CreateTempSubdirectory("stoke-store-loss-").FullName;
    private readonly HttpClient _http = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task RunningNodeReportsTheStoreDownAndStaysReady()
    {
        await using var node = await StokeProcess.StartAsync(Serve(), FastProbe);

        await _redis.KillAsync();
        var (status, body) = await Eventually.ReturnsAsync(() => ReadyAsync(node), r => Store(r.Body) == "Down", Within, "the store reported down");

        Assert.Equal((HttpStatusCode.OK, true), (status, body["ready"]!.GetValue<bool>()));
        // The line travels through the child's stdout pipe: it may land just after /ready says Down.
        await Eventually.ReturnsAsync(() => Task.FromResult(node.Output), o => o.Contains("The redis store is down", StringComparison.Ordinal), Within, "the store-down log line");
    }

    [Fact]
    public async Task RunningNodeReportsAStoreThatCameBackEmpty()
    {
        await using var node = await StokeProcess.StartAsync(Serve(), FastProbe);
        using var client = new StokeClient(node.Url);
        await client.DeployAsync("cls-lost", TestModels.Classifier);

        await _redis.RestartEmptyAsync();
        await Eventually.ReturnsAsync(() => ReadyAsync(node), r => Store(r.Body) == "Lost", Within, "the store reported lost");
        var status = await client.StatusAsync();

        Assert.Contains("functions registry", status["store"]!["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeRefusesToStartOnAStoreThatLostItsCluster()
    {
        await (await StokeProcess.StartAsync(Serve())).StopAsync();
        await _redis.RestartEmptyAsync();

        var (code, output) = await StokeProcess.RunToExitAsync(Serve());

        Assert.True(code == 1, $"exit code {code}:\n{output}");
        Assert.Contains("has no record of cluster 'stoke'", output, StringComparison.Ordinal);
        Assert.Contains("functions registry", output, StringComparison.Ordinal);
        Assert.Contains("--accept-empty-store", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptingTheEmptyStoreFormsANewCluster()
    {
        await (await StokeProcess.StartAsync(Serve())).StopAsync();
        await _redis.RestartEmptyAsync();

        await using var node = await StokeProcess.StartAsync(Serve("--accept-empty-store"));
        var (_, ready) = await ReadyAsync(node);

        Assert.True(Store(ready) == "Ok", node.Output);
        Assert.Contains("as the operator accepted an empty store", node.Output, StringComparison.Ordinal);
    }

    private string[] Serve(params string[] more) =>
        ["--redis", _redis.ConnectionString, "--data", Path.Combine(_root, "node"), "--repository", Path.Combine(_root, "repository"), .. more];

    private async Task<(HttpStatusCode Status, JsonNode Body)> ReadyAsync(StokeProcess node)
    {
        using var response = await _http.GetAsync(new Uri(node.Url, "/v2/health/ready"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static string? Store(JsonNode body) => body["store"]?["status"]?.GetValue<string>();
}
