using System.Net;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>
/// An operator's caps on a tenant's functions and artifact bytes hold at deploy (a refused deploy leaves nothing
/// behind), and its cap on instances holds in the function controllers.
/// </summary>
public sealed class TenantCapTests : IAsyncLifetime
{
    private const string FewKey = "sk-tenant-few-0123456789";
    private const string SmallKey = "sk-tenant-small-01234567";
    private const string BusyKey = "sk-tenant-busy-012345678";
    private const string PairKey = "sk-tenant-pair-012345678";
    private const string RaceKey = "sk-tenant-race-012345678";
    private const string RaceBytesKey = "sk-tenant-racebytes-0123";
    private const int Racing = 8;
    private const int Cap = 3;

    // Eight distinct models of one size (an Identity node whose input is x1 ... x8).
    private static readonly byte[][] Models = [.. Enumerable.Range(1, Racing).Select(i => Engines.Onnx.Tests.Support.OnnxModelWriter.Build(new Engines.Onnx.Tests.Support.OnnxModelWriter.Node("Identity", $"x{i}", 1, ["n", "4"])))];
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.StartAsync(gateway: g =>
    {
        g.ApiKeys =
        [
            new ApiKeyOptions { Key = FewKey, Tenant = "few" },
            new ApiKeyOptions { Key = SmallKey, Tenant = "small" },
            new ApiKeyOptions { Key = BusyKey, Tenant = "busy" },
            new ApiKeyOptions { Key = PairKey, Tenant = "pair" },
            new ApiKeyOptions { Key = RaceKey, Tenant = "race" },
            new ApiKeyOptions { Key = RaceBytesKey, Tenant = "racebytes" },
        ];
        g.TenantLimits["race"] = new TenantLimits { MaxFunctions = Cap };
        g.TenantLimits["racebytes"] = new TenantLimits { MaxArtifactBytes = Cap * Models[0].Length };
        g.TenantLimits["pair"] = new TenantLimits { MaxFunctions = 1 };
        g.TenantLimits["busy"] = new TenantLimits { MaxInstances = 1 };
        g.TenantLimits["few"] = new TenantLimits { MaxFunctions = 1, MaxArtifactBytes = TestModels.Classifier.Length };
        g.TenantLimits["small"] = new TenantLimits { MaxArtifactBytes = TestModels.Classifier.Length - 1 };
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task NewFunctionPastMaxFunctionsIs403ButANewVersionOfTheSameBytesIsNot()
    {
        using var few = _node.Client(FewKey);
        await few.DeployAsync("one", TestModels.Classifier);
        var second = await few.DeployAsync("one", TestModels.Classifier);
        var error = await Assert.ThrowsAsync<StokeClientException>(() => few.DeployAsync("two", TestModels.Classifier));

        Assert.Equal(2, second["version"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("MaxFunctions 1", error.ServerMessage, StringComparison.Ordinal);
        Assert.Single((await few.ListAsync()).AsArray());
    }

    [Fact]
    public async Task APartitionWhoseSlicesPassMaxFunctionsIs403AndDeploysNoSlice()
    {
        using var http = new HttpClient { BaseAddress = _node.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PairKey);
        using var model = new ByteArrayContent(TestModels.Classifier);
        model.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");

        using var response = await http.PostAsync("api/partitions/halves?parts=2", model);
        var text = await response.Content.ReadAsStringAsync();
        using var pair = _node.Client(PairKey);

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("this deploy adds 2, past its limit (MaxFunctions 1)", text, StringComparison.Ordinal);
        Assert.Empty((await pair.ListAsync()).AsArray());
    }

    [Fact]
    public async Task DeployPastMaxArtifactBytesIs413AndDeploysNothing()
    {
        using var small = _node.Client(SmallKey);
        var error = await Assert.ThrowsAsync<StokeClientException>(() => small.DeployAsync("big", TestModels.Classifier));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, error.Status);
        Assert.Contains("MaxArtifactBytes", error.ServerMessage, StringComparison.Ordinal);
        Assert.Empty((await small.ListAsync()).AsArray());
    }

    [Theory]
    [InlineData(RaceKey, HttpStatusCode.Forbidden)]
    [InlineData(RaceBytesKey, HttpStatusCode.RequestEntityTooLarge)]
    public async Task DeploysRacingAtACapPassOnlyUpToIt(string key, HttpStatusCode refusal)
    {
        Assert.All(Models, m => Assert.Equal(Models[0].Length, m.Length));
        using var client = _node.Client(key);
        using var start = new SemaphoreSlim(0);
        var deploys = Enumerable.Range(0, Racing).Select(async i =>
        {
            await start.WaitAsync();
            try
            {
                await client.DeployAsync($"fn-{i}", Models[i]);
                return (HttpStatusCode?)null;
            }
            catch (StokeClientException refused)
            {
                return refused.Status;
            }
        }).ToArray();
        start.Release(Racing);
        var outcomes = await Task.WhenAll(deploys);

        // Each deploy's first check passes while none is registered; before the registry checked too, all eight did.
        Assert.Equal(Cap, outcomes.Count(o => o is null));
        Assert.All(outcomes.Where(o => o is not null), o => Assert.Equal(refusal, o));
        Assert.Equal(Cap, (await client.ListAsync()).AsArray().Count);
    }

    [Fact]
    public async Task ColdRequestPastTheTenantsMaxInstancesIs503WithRetryAfter()
    {
        using var busy = _node.Client(BusyKey);
        var warm = new Dictionary<string, string> { ["keepAliveSeconds"] = "300" };
        await busy.DeployAsync("first", TestModels.Classifier, warm);
        await busy.DeployAsync("second", TestModels.Classifier, warm);
        Assert.Equal(HttpStatusCode.OK, (await busy.InferAsync("first", TestModels.ClassifierJson())).Status);

        var refused = await busy.InferAsync("second", TestModels.ClassifierJson());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.NotNull(refused.Header("Retry-After"));
        Assert.Contains("MaxInstances 1", refused.Text, StringComparison.Ordinal);
    }
}
