using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Storage;

/// <summary>
/// A real embedded node whose state file is corrupted while it is stopped: the file is quarantined, the rest keeps
/// serving, and what was lost is said clearly.
/// </summary>
public sealed class CorruptStateTests : IAsyncLifetime
{
    private const string KeyAlpha = "key-tenant-alpha-0123456789";
    private const string KeyBravo = "key-tenant-bravo-0123456789";
    private readonly CapturingLoggerProvider _logs = new();
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(
        gateway: g => g.ApiKeys =
        [
            new ApiKeyOptions { Key = KeyAlpha, Tenant = "alpha" },
            new ApiKeyOptions { Key = KeyBravo, Tenant = "bravo" },
        ],
        services: s => s.AddSingleton<ILoggerProvider>(_logs));

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task ACorruptUsageMeterRestartsEmptyAndBothFunctionsServe()
    {
        using (var alpha = _node.Client(KeyAlpha))
        {
            await alpha.DeployAsync("cls-a", TestModels.Classifier);
            await alpha.DeployAsync("cls-b", TestModels.Classifier);
            Assert.Equal(HttpStatusCode.OK, (await alpha.InferAsync("cls-a", TestModels.ClassifierJson())).Status);
            await alpha.UsageAsync("cls-a");
        }

        var meter = StateFile("metering", "cls-a");
        await _node.RestartAsync(() => File.WriteAllText(meter, "{\"Version\": 3, \"State\": {\"Summ"));
        using var client = _node.Client(KeyAlpha);
        var a = await client.InferAsync("cls-a", TestModels.ClassifierJson());
        var b = await client.InferAsync("cls-b", TestModels.ClassifierJson());
        var usage = await client.UsageAsync("cls-a");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (a.Status, b.Status));
        Assert.Equal(1, usage["total"]!["requests"]!.GetValue<long>());
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(meter)!, Path.GetFileName(meter) + ".corrupt-*"));
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 1240 && e.Message.Contains(meter, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACorruptRegistryRefusesOnlyItsTenantNamingTheQuarantinedFile()
    {
        using (var alpha = _node.Client(KeyAlpha))
        using (var bravo = _node.Client(KeyBravo))
        {
            await alpha.DeployAsync("cls-alpha", TestModels.Classifier);
            await bravo.DeployAsync("cls-bravo", TestModels.Classifier);
        }

        var registry = StateFile("registry", "alpha");
        await _node.RestartAsync(() => File.WriteAllBytes(registry, [0x7b, 0x00, 0xff]));
        using var alphaAfter = _node.Client(KeyAlpha);
        using var bravoAfter = _node.Client(KeyBravo);
        var other = await bravoAfter.InferAsync("cls-bravo", TestModels.ClassifierJson());
        var refused = await alphaAfter.InferAsync("cls-alpha", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Equal(HttpStatusCode.InternalServerError, refused.Status);
        Assert.Contains("registry state", refused.Text, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(registry) + ".corrupt-", refused.Text, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(registry)!, Path.GetFileName(registry) + ".corrupt-*"));
    }

    [Fact]
    public async Task ACorruptFunctionRecordRefusesOnlyThatFunctionOfItsTenant()
    {
        using (var alpha = _node.Client(KeyAlpha))
        {
            await alpha.DeployAsync("cls-one", TestModels.Classifier);
            await alpha.DeployAsync("cls-two", TestModels.Classifier);
        }

        var record = StateFile("registry-function", "cls-one");
        await _node.RestartAsync(() => File.WriteAllText(record, "{\"Version\": 1, \"State\": {\"Vers"));
        using var client = _node.Client(KeyAlpha);
        var other = await client.InferAsync("cls-two", TestModels.ClassifierJson());
        var refused = await client.InferAsync("cls-one", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Equal(HttpStatusCode.InternalServerError, refused.Status);
        Assert.Contains(Path.GetFileName(record) + ".corrupt-", refused.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQuarantinedRegistryIsNeverReadAsNoFunctions()
    {
        using (var alpha = _node.Client(KeyAlpha))
        {
            await alpha.DeployAsync("cls-alpha", TestModels.Classifier);
        }

        var registry = StateFile("registry", "alpha");
        await _node.RestartAsync(() => File.WriteAllText(registry, "garbage"));
        using (var first = _node.Client(KeyAlpha))
        {
            await Assert.ThrowsAsync<StokeClientException>(() => first.ListAsync());
        }

        await _node.RestartAsync();
        using var client = _node.Client(KeyAlpha);
        var error = await Assert.ThrowsAsync<StokeClientException>(() => client.ListAsync());

        Assert.Equal(HttpStatusCode.InternalServerError, error.Status);
        Assert.Contains("quarantined earlier", error.Message, StringComparison.Ordinal);
    }

    private string StateFile(string stateName, string keyPart) =>
        Directory.GetFiles(Path.Combine(_node.DataDirectory, "state", stateName), "*.json")
            .Single(f => Path.GetFileName(f).Contains(keyPart, StringComparison.Ordinal));
}
