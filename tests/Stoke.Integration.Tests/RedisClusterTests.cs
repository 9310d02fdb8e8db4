using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>Two nodes as `stoke serve --redis` runs them: Redis membership and grain state, a shared artifact repository.</summary>
public sealed class RedisClusterTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("stoke-redis-cluster-").FullName;
    private readonly string _clusterId = "redis-" + Guid.NewGuid().ToString("N")[..8];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task NodesShareFunctionsThroughRedisAndKeepThemAcrossARestart()
    {
        var (first, firstUrl) = await StartNodeAsync("a");
        var (second, secondUrl) = await StartNodeAsync("b");
        using (var a = new StokeClient(firstUrl))
        using (var b = new StokeClient(secondUrl))
        {
            await a.DeployAsync("cls-redis", TestModels.Classifier);
            var served = await b.InferAsync("cls-redis", TestModels.ClassifierJson());
            var status = await b.StatusAsync();

            Assert.Equal(HttpStatusCode.OK, served.Status);
            Assert.Equal(2, status["nodes"]!.AsArray().Count);
        }

        await StopAsync(first);
        await StopAsync(second);
        var (again, againUrl) = await StartNodeAsync("c");
        using var c = new StokeClient(againUrl);
        var afterRestart = await c.InferAsync("cls-redis", TestModels.ClassifierJson());
        await StopAsync(again);

        Assert.Equal(HttpStatusCode.OK, afterRestart.Status);
        Assert.Equal("repository", afterRestart.Header("Stoke-Cold-Start-Tier"));
    }

    private async Task<(IHost Host, Uri Url)> StartNodeAsync(string name)
    {
        var host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = Path.Combine(_root, name),
            Repository = Path.Combine(_root, "repository"),
            Redis = _redis.ConnectionString,
            ClusterId = _clusterId,
            SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(),
        });
        await host.StartAsync();
        return (host, host.Services.GetRequiredService<GatewayServer>().Address!);
    }

    private static async Task StopAsync(IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }
}
