using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Stoke.Abstractions.Functions;
using Stoke.Engines.Onnx.Tests.Support;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Grains;

namespace Stoke.Integration.Tests.Storage;

/// <summary>
/// A tenant's registry on a real embedded node: one record per function plus an index of names, so a deploy writes
/// its own function's versions whatever the tenant's size; a registry in the first layout (every spec in the one
/// tenant record) is moved to that layout when a node starts on it, and keeps serving.
/// </summary>
public sealed class RegistryLayoutTests : IAsyncLifetime
{
    private const string Key = "key-tenant-alpha-0123456789";
    private const string Request = """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""";
    private static readonly byte[] Model = OnnxModelWriter.Build(new OnnxModelWriter.Node("Identity", "x", 1, ["n", "4"]));
    private EmbeddedStoke _node = null!;

    private SpecCountingStorage Storage => (SpecCountingStorage)_node.Services.GetRequiredKeyedService<IGrainStorage>(StokeStorage.Name);

    private IFunctionRegistryGrain Registry => _node.Services.GetRequiredService<IGrainFactory>().GetGrain<IFunctionRegistryGrain>("alpha");

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(
        gateway: g => g.ApiKeys = [new ApiKeyOptions { Key = Key, Tenant = "alpha" }],
        services: SpecCountingStorage.Install);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task EachDeployInAGrowingTenantWritesOneSpec()
    {
        // The first layout wrote every spec of the tenant at each deploy: the 30th wrote 30.
        using var client = _node.Client(Key);
        var written = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            var before = Storage.Specs;
            await client.DeployAsync($"fn-{i:D2}", Model);
            written.Add(Storage.Specs - before);
        }

        Assert.All(written, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task ARedeployWritesItsFunctionsRecordAndNotTheIndex()
    {
        using var client = _node.Client(Key);
        await client.DeployAsync("fn-a", Model);
        await client.DeployAsync("fn-b", Model);
        var (index, records) = (Storage.Records(FunctionRegistryState.StateName), Storage.Records(FunctionVersionsState.StateName));

        await client.DeployAsync("fn-a", Model);

        Assert.Equal((index, records + 1), (Storage.Records(FunctionRegistryState.StateName), Storage.Records(FunctionVersionsState.StateName)));
    }

    [Fact]
    public async Task SpecsLoadedAfterARestartShareTheirModelHashAndSignature()
    {
        using (var client = _node.Client(Key))
        {
            await client.DeployAsync("fn-a", Model);
            await client.DeployAsync("fn-b", Model);
        }

        await _node.RestartAsync();
        var (a, b) = ((await Registry.Get("fn-a", null))!, (await Registry.Get("fn-b", null))!);

        // Their artifact references differ in the uploaded file name (fn-a.onnx, fn-b.onnx), not in the model's hash.
        Assert.Same(a.Artifact.Sha256, b.Artifact.Sha256);
        Assert.Same(a.Signature, b.Signature);
    }

    [Fact]
    public async Task AFirstLayoutRegistryServesItsFunctionsAfterARestart()
    {
        await WriteFirstLayoutAsync();
        using var client = _node.Client(Key);
        var listed = (await client.ListAsync()).AsArray().Select(f => f!["name"]!.GetValue<string>());
        var versions = (await Registry.Versions("cls-a")).Select(v => v.Version);
        var served = await client.InferAsync("cls-a", Request);
        await _node.RestartAsync();
        using var after = _node.Client(Key);
        var relisted = (await after.ListAsync()).AsArray().Select(f => f!["name"]!.GetValue<string>());

        Assert.Equal(["cls-a", "cls-b"], listed);
        Assert.Equal([1, 2], versions);
        Assert.Equal(System.Net.HttpStatusCode.OK, served.Status);
        Assert.Equal(["cls-a", "cls-b"], relisted);
    }

    [Fact]
    public async Task AFirstLayoutRegistryKeepsItsVersionNumberingAndEmptiesItsOldRecord()
    {
        await WriteFirstLayoutAsync();
        using var client = _node.Client(Key);
        var redeployed = (await client.DeployAsync("cls-b", Model))["version"]!.GetValue<int>();
        var deletedBefore = (await client.DeployAsync("gone", Model))["version"]!.GetValue<int>();
        var index = JsonNode.Parse(await File.ReadAllTextAsync(IndexFile()))!["State"]!;

        Assert.Equal((2, 6), (redeployed, deletedBefore));
        Assert.Empty(index["Functions"]!.AsObject());
        Assert.Equal(["cls-a", "cls-b", "gone"], index["Names"]!.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    // Deploys cls-a twice and cls-b once, then rewrites the tenant's registry as the first layout stored it (every
    // spec in the index record; "gone" deleted after version 5) and removes the per-function records.
    private async Task WriteFirstLayoutAsync()
    {
        using (var client = _node.Client(Key))
        {
            await client.DeployAsync("cls-a", Model);
            await client.DeployAsync("cls-a", Model);
            await client.DeployAsync("cls-b", Model);
        }

        var specs = new Dictionary<string, FunctionSpec[]>
        {
            ["cls-a"] = await Registry.Versions("cls-a"),
            ["cls-b"] = await Registry.Versions("cls-b"),
        };
        var path = IndexFile();
        await _node.RestartAsync(async () =>
        {
            var version = JsonNode.Parse(await File.ReadAllTextAsync(path))!["Version"]!.GetValue<long>();
            var first = new { Version = version, State = new { Functions = specs, LastVersion = new Dictionary<string, int> { ["cls-a"] = 2, ["cls-b"] = 1, ["gone"] = 5 } } };
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(first, new JsonSerializerOptions { WriteIndented = true }));
            Directory.Delete(Path.Combine(_node.DataDirectory, "state", FunctionVersionsState.StateName), recursive: true);
        });
    }

    private string IndexFile() =>
        Directory.GetFiles(Path.Combine(_node.DataDirectory, "state", "registry"), "*.json").Single(f => Path.GetFileName(f).Contains("alpha", StringComparison.Ordinal));
}
