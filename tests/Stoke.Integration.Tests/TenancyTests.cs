using System.Net;
using Stoke.Client;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>With API keys configured, every endpoint needs a key and each tenant sees only its own functions.</summary>
public sealed class TenancyTests : IAsyncLifetime
{
    private const string KeyA = "key-tenant-a-0123456789";
    private const string KeyB = "key-tenant-b-0123456789";
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.WithTenantsAsync(KeyA, KeyB);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task RequestWithoutKeyIs401()
    {
        using var anonymous = _node.Client();
        var infer = await anonymous.InferAsync("anything", TestModels.ClassifierJson());
        var list = await Assert.ThrowsAsync<StokeClientException>(() => anonymous.ListAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, infer.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, list.Status);
    }

    [Fact]
    public async Task WrongKeyIs401()
    {
        using var wrong = _node.Client("not-a-real-key-at-all");
        var error = await Assert.ThrowsAsync<StokeClientException>(() => wrong.ListAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
    }

    [Fact]
    public async Task TenantSeesAndInvokesOnlyItsOwnFunctions()
    {
        using var a = _node.Client(KeyA);
        using var b = _node.Client(KeyB);
        await a.DeployAsync("private-cls", TestModels.Classifier);

        var ownInvoke = await a.InferAsync("private-cls", TestModels.ClassifierJson());
        var otherInvoke = await b.InferAsync("private-cls", TestModels.ClassifierJson());
        var otherList = await b.ListAsync();
        var otherDelete = await Assert.ThrowsAsync<StokeClientException>(() => b.DeleteAsync("private-cls"));

        Assert.Equal(HttpStatusCode.OK, ownInvoke.Status);
        Assert.Equal(HttpStatusCode.NotFound, otherInvoke.Status);
        Assert.Empty(otherList.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, otherDelete.Status);
    }

    [Fact]
    public async Task HealthNeedsNoKey()
    {
        using var http = new HttpClient { BaseAddress = _node.Address };
        var response = await http.GetAsync("v2/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
