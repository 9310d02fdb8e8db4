using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Gateway.Errors;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Grains;

namespace Stoke.Integration.Tests.Observability;

/// <summary>A fault inside the platform reaches the operator's log with its exception, not only the client's 500.</summary>
public sealed class ErrorLogTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ServiceTimeEngine _gated = new(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), TimeSpan.Zero);
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(services: s =>
    {
        s.AddSingleton<ILoggerProvider>(_logs);
        s.AddSingleton<IInferenceEngine>(new FailingEngine(atLoad: false));
        s.AddSingleton<IInferenceEngine>(new FailingEngine(atLoad: true));
        s.AddSingleton<IInferenceEngine>(_gated);
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task RequestAnswered500IsLoggedWithItsException()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-faulty", TestModels.Classifier, new Dictionary<string, string> { ["engine"] = FailingEngine.FailsOnRun });

        var response = await client.InferAsync("cls-faulty", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        var entry = Assert.Single(_logs.Entries, e => e.Category == ErrorResponses.LogCategory);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains("/v2/models/cls-faulty/infer", entry.Message, StringComparison.Ordinal);
        var cause = Assert.IsType<InvalidOperationException>(entry.Exception?.InnerException);
        Assert.Equal(FailingEngine.Fault, cause.Message);
        Assert.Contains(nameof(FailingEngine), cause.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstanceStartFailureKeepsTheStackTrace()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-unloadable", TestModels.Classifier, new Dictionary<string, string> { ["engine"] = FailingEngine.FailsOnLoad });

        var response = await client.InferAsync("cls-unloadable", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        // The controller's log of the failed start (FunctionGrain, event 2001) carries the engine's own exception.
        var entry = Assert.Single(_logs.Entries, e => e.EventId.Id == 2001);
        var cause = Assert.IsType<InvalidOperationException>(entry.Exception?.InnerException);
        Assert.Contains(nameof(FailingEngine), cause.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWhoseClientWentAwayIsNotLoggedAsA500()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-abandoned", TestModels.Classifier, new Dictionary<string, string> { ["engine"] = ServiceTimeEngine.EngineName });
        using var cancel = new CancellationTokenSource();

        // Held through a cold start whose load waits for the test; the client gives up meanwhile.
        var request = client.InferAsync("cls-abandoned", TestModels.ClassifierJson(), cancellationToken: cancel.Token);
        var load = await Eventually.ReturnsAsync(() => Task.FromResult(_gated.BlockedLoads), l => l.Count == 1, TimeSpan.FromSeconds(30), "the cold start's load");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await Eventually.ReturnsAsync(
            async () => (await client.DescribeAsync("cls-abandoned"))["status"]!.AsArray()[^1]!["held"]!.GetValue<int>(), held => held == 0, TimeSpan.FromSeconds(30), "the request withdrawn");
        _gated.ReleaseLoad(load.Single());
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.DoesNotContain(_logs.Entries, e => e.Category == ErrorResponses.LogCategory && e.Message.Contains("cls-abandoned", StringComparison.Ordinal));
    }

    // A node's late notice, or a tick queued as the version retired, reaches a deleted version's controller and
    // activates it again: that must not be an activation error in the operator's log, and nothing may come back to life.
    [Fact]
    public async Task ACallThatReachesADeletedFunctionIsNoActivationError()
    {
        using var client = _node.Client();
        await client.DeployAsync("cls-deleted", TestModels.Classifier);
        Assert.Equal(HttpStatusCode.OK, (await client.InferAsync("cls-deleted", TestModels.ClassifierJson())).Status);
        await client.DeleteAsync("cls-deleted");

        var controller = _node.Services.GetRequiredService<IGrainFactory>().GetGrain<IFunctionGrain>(FunctionVersionKey.Of("default", "cls-deleted", 1));
        await controller.SlotFreed("gone", 0);
        await controller.InstanceEvicted("gone", "late notice");
        await controller.Tick();
        var status = await Assert.ThrowsAsync<StokeException>(() => controller.Status());
        Assert.Equal(StokeErrorKind.NotFound, status.Kind);
        Assert.Equal(HttpStatusCode.NotFound, (await client.InferAsync("cls-deleted", TestModels.ClassifierJson())).Status);

        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error && e.Message.Contains("cls-deleted", StringComparison.Ordinal));
    }
}
