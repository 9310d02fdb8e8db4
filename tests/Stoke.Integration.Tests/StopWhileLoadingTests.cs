using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Engines;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Instances;

namespace Stoke.Integration.Tests;

/// <summary>
/// An instance stopped while its model still loads (its function deleted during a cold start) is freed when the load
/// returns: its session disposed and its memory given back, and no instance is left behind on the node.
/// </summary>
public sealed class StopWhileLoadingTests
{
    private const string Function = "cls-stop-loading";

    [Fact]
    public async Task DeletingAFunctionDuringItsColdStartFreesTheSessionWhenTheLoadReturns()
    {
        // The service-time engine holds each instance's load until the test releases it; no request runs here.
        var engine = new ServiceTimeEngine(new FakeTimeProvider(), TimeSpan.Zero);
        await using var node = await EmbeddedStoke.StartAsync(services: s => s.AddSingleton<IInferenceEngine>(engine));
        using var client = node.Client();
        await client.DeployAsync(Function, TestModels.Classifier, new Dictionary<string, string> { ["engine"] = ServiceTimeEngine.EngineName });
        var host = node.Services.GetRequiredService<NodeHost>();

        var request = client.InferAsync(Function, TestModels.ClassifierJson());
        var loading = await Eventually.ReturnsAsync(() => Task.FromResult(engine.BlockedLoads), l => l.Count == 1, TimeSpan.FromSeconds(30), "the cold start's load");
        await client.DeleteAsync(Function);
        // The node has taken the stop while the load still waits.
        await Eventually.ReturnsAsync(() => Task.FromResult(host.Snapshot().Instances.Length), n => n == 0, TimeSpan.FromSeconds(30), "the instance stopped");
        Assert.Single(engine.BlockedLoads);

        engine.ReleaseLoad(loading.Single());

        Assert.Equal(HttpStatusCode.NotFound, (await request).Status);
        await Eventually.ReturnsAsync(() => Task.FromResult(engine.OpenInstanceSessions), n => n == 0, TimeSpan.FromSeconds(30), "the loaded session disposed");
        var snapshot = await Eventually.ReturnsAsync(() => Task.FromResult(host.Snapshot()), s => s.MemoryUsedBytes == 0, TimeSpan.FromSeconds(30), "the instance's memory released");
        Assert.Empty(snapshot.Instances);
    }
}
