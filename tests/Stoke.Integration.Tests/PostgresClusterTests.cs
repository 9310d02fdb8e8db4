using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>Two nodes as `stoke serve --postgres` runs them, on a PostgreSQL server that starts empty: Stoke's schema,
/// ADO.NET membership and grain state, a shared artifact repository.</summary>
public sealed class PostgresClusterTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("stoke-pg-cluster-").FullName;
    private readonly string _clusterId = "pg-" + Guid.NewGuid().ToString("N")[..8];
    private PostgresServer _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task NodesShareFunctionsThroughPostgresAndKeepThemAcrossARestartOfBoth()
    {
        var first = await Task.WhenAll(StartNodeAsync("a"), StartNodeAsync("b"));
        using (var a = new StokeClient(first[0].Url))
        using (var b = new StokeClient(first[1].Url))
        {
            await a.DeployAsync("cls-pg", TestModels.Classifier);
            var served = await b.InferAsync("cls-pg", TestModels.ClassifierJson());
            var status = await b.StatusAsync();

            Assert.Equal(HttpStatusCode.OK, served.Status);
            Assert.Equal(2, status["nodes"]!.AsArray().Count);
        }

        await Task.WhenAll(first.Select(n => StopAsync(n.Host)));
        var second = await Task.WhenAll(StartNodeAsync("a"), StartNodeAsync("b"));
        var afterRestart = new List<HttpStatusCode>();
        foreach (var (host, url) in second)
        {
            using var client = new StokeClient(url);
            afterRestart.Add((await client.InferAsync("cls-pg", TestModels.ClassifierJson())).Status);
        }

        await Task.WhenAll(second.Select(n => StopAsync(n.Host)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], afterRestart);
    }

    private async Task<(IHost Host, Uri Url)> StartNodeAsync(string name)
    {
        var host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = Path.Combine(_root, name),
            Repository = Path.Combine(_root, "repository"),
            Postgres = _postgres.ConnectionString,
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
