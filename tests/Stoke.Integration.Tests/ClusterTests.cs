using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Hosting;

namespace Stoke.Integration.Tests;

/// <summary>A real two-silo Orleans cluster in process, each silo with its own gateway on a loopback port.</summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "stoke-cluster-" + Guid.NewGuid().ToString("N")[..8]);
    private InProcessTestCluster _cluster = null!;
    private Uri[] _gateways = [];

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) => silo.AddStokeNode(o =>
        {
            o.DataDirectory = _data;
            o.ControlInterval = TimeSpan.FromMilliseconds(250);
        }));
        builder.ConfigureSiloHost((_, host) => host.Services.AddStokeGateway(g => g.Url = "http://127.0.0.1:0"));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _gateways = _cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<GatewayServer>().Address!).ToArray();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task DeployThroughOneSiloAndInvokeThroughTheOther()
    {
        Assert.Equal(2, _gateways.Length);
        using var first = new StokeClient(_gateways[0]);
        using var second = new StokeClient(_gateways[1]);

        await first.DeployAsync("cls-cluster", TestModels.Classifier);
        var r = await second.InferAsync("cls-cluster", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(1.0, r.Json!["outputs"]![0]!["data"]!.AsArray().Sum(v => v!.GetValue<double>()), 3);
    }

    [Fact]
    public async Task StatusSeesBothNodesAndUsageIsClusterWide()
    {
        using var first = new StokeClient(_gateways[0]);
        using var second = new StokeClient(_gateways[1]);
        await first.DeployAsync("cls-usage-cluster", TestModels.Classifier);
        await first.InferAsync("cls-usage-cluster", TestModels.ClassifierJson());
        await second.InferAsync("cls-usage-cluster", TestModels.ClassifierJson());

        var status = await second.StatusAsync();
        var usage = await first.UsageAsync("cls-usage-cluster");

        Assert.Equal(2, status["nodes"]!.AsArray().Count);
        Assert.Equal(2, usage["total"]!["requests"]!.GetValue<long>());
    }

    [Fact]
    public async Task RequestIsServedWhenTheNodeHoldingTheInstanceLeaves()
    {
        using var first = new StokeClient(_gateways[0]);
        using var second = new StokeClient(_gateways[1]);
        // Deploying through the second silo puts the model in its memory tier, so locality places the instance there;
        // the first request enters through the first silo, so the function's activator lives on the survivor.
        await second.DeployAsync("cls-failover", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "300" });
        var before = await first.InferAsync("cls-failover", TestModels.ClassifierJson());
        var secondNode = before.Header("Stoke-Node");

        await _cluster.StopSiloAsync(_cluster.Silos[1]);
        var after = await first.InferAsync("cls-failover", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.NotEqual(secondNode, after.Header("Stoke-Node"));
    }

    [Fact]
    public async Task NewVersionDeployedOnOneSiloIsServedByTheOther()
    {
        using var first = new StokeClient(_gateways[0]);
        using var second = new StokeClient(_gateways[1]);
        await first.DeployAsync("cls-ver-cluster", TestModels.Classifier);
        await first.DeployAsync("cls-ver-cluster", TestModels.Classifier);

        var pinned = await second.InferAsync("cls-ver-cluster", TestModels.ClassifierJson(), version: 2);

        Assert.Equal("2", pinned.Header("Stoke-Version"));
    }
}
