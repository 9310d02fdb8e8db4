using System.Net;
using System.Text;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Stoke.Receipts;
using Stoke.Receipts.Format;
using Stoke.Receipts.Signing;
using Stoke.Receipts.Verification;

namespace Stoke.Integration.Tests;

/// <summary>Receipts on a real node: each answer is signed over its exact bytes into the tenant's chain, which only that tenant reads.</summary>
public sealed class ReceiptTests : IAsyncLifetime
{
    private const string KeyA = "key-receipts-a-0123456789";
    private const string KeyB = "key-receipts-b-0123456789";
    private static readonly Dictionary<string, string> Quick = new() { ["keepAliveSeconds"] = "60" };
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync() => _node = await EmbeddedStoke.WithTenantsAsync(KeyA, KeyB);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task JsonInferReceiptVerifiesAgainstTheExactBodiesAndTheNodesKey()
    {
        using var a = _node.Client(KeyA);
        var spec = await a.DeployAsync("rc-json", TestModels.Classifier, Quick);
        var request = TestModels.ClassifierJson(seed: 0.3f);

        var response = await a.InferAsync("rc-json", request);
        var key = ReceiptPublicKey.Parse((await a.ReceiptKeyAsync())["publicKey"]!.GetValue<string>());
        var receipt = response.Header(ReceiptBook.Header)!;

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var check = ReceiptVerifier.Verify(receipt, key, Encoding.UTF8.GetBytes(request), response.Body, checkBodies: true);
        Assert.True(check.Valid, check.Problem);
        Assert.Equal(("a", "rc-json", spec["artifact"]!["sha256"]!.GetValue<string>()), (check.Receipt!.Receipt.Tenant, check.Receipt.Receipt.Function, check.Receipt.Receipt.ArtifactSha256));
        Assert.False(ReceiptVerifier.Verify(receipt, key, Encoding.UTF8.GetBytes(request), [.. response.Body, (byte)' '], checkBodies: true).Valid);
    }

    [Fact]
    public async Task BinaryInferReceiptCoversTheHeaderAndTensorBytes()
    {
        using var a = _node.Client(KeyA);
        await a.DeployAsync("rc-bin", TestModels.Classifier, Quick);
        var (header, tail) = TestModels.ClassifierBinary(seed: 0.5f);

        var response = await a.InferBinaryAsync("rc-bin", header, tail);
        var key = ReceiptPublicKey.Parse((await a.ReceiptKeyAsync())["publicKey"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var check = ReceiptVerifier.Verify(response.Header(ReceiptBook.Header)!, key, [.. Encoding.UTF8.GetBytes(header), .. tail], response.Body, checkBodies: true);
        Assert.True(check.Valid, check.Problem);
    }

    [Fact]
    public async Task TenantsChainVerifiesAndAnotherTenantCannotSeeIt()
    {
        using var a = _node.Client(KeyA);
        using var b = _node.Client(KeyB);
        await a.DeployAsync("rc-chain", TestModels.Classifier, Quick);
        var issued = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var response = await a.InferAsync("rc-chain", TestModels.ClassifierJson(seed: i));
            issued.Add(ReceiptEncoding.FromBase64Url(response.Header(ReceiptBook.Header)!).Receipt.Sequence);
        }

        var page = await a.ReceiptsAsync(limit: 1000);
        var chain = page["receipts"]!.AsArray().Select(r => r!["receipt"]!.GetValue<string>()).ToList();
        var check = ChainVerifier.Verify(chain, ReceiptPublicKey.Parse(page["publicKey"]!.GetValue<string>()));
        var others = await b.ReceiptsAsync(limit: 1000);

        Assert.True(check.Valid, check.Problem);
        Assert.Subset(chain.Select(r => ReceiptEncoding.FromBase64Url(r).Receipt.Sequence).ToHashSet(), issued.ToHashSet());
        Assert.Equal("b", others["tenant"]!.GetValue<string>());
        Assert.Empty(others["receipts"]!.AsArray());
    }

    [Fact]
    public async Task PagesFollowTheChain()
    {
        using var a = _node.Client(KeyA);
        await a.DeployAsync("rc-page", TestModels.Classifier, Quick);
        for (var i = 0; i < 3; i++)
        {
            await a.InferAsync("rc-page", TestModels.ClassifierJson(seed: i));
        }

        var head = (await a.ReceiptsAsync(limit: 1000))["receipts"]!.AsArray().Count;
        var first = await a.ReceiptsAsync(after: 0, limit: head - 1);
        var rest = await a.ReceiptsAsync(after: first["next"]!.GetValue<long>(), limit: 1000);

        Assert.Equal(head - 1, first["receipts"]!.AsArray().Count);
        Assert.Single(rest["receipts"]!.AsArray());
        Assert.Null(rest["next"]);
    }

    [Fact]
    public async Task PageLimitOutOfBoundsIs400()
    {
        using var a = _node.Client(KeyA);
        var error = await Assert.ThrowsAsync<StokeClientException>(() => a.ReceiptsAsync(limit: 0));
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }
}

/// <summary>A node's chain and key outlive a restart; with receipts off, answers carry none.</summary>
public sealed class ReceiptLifecycleTests
{
    [Fact]
    public async Task ChainContinuesAfterANodeRestart()
    {
        await using var node = await EmbeddedStoke.StartAsync();
        using (var client = node.Client())
        {
            await client.DeployAsync("rc-restart", TestModels.Classifier);
            await client.InferAsync("rc-restart", TestModels.ClassifierJson());
            await client.InferAsync("rc-restart", TestModels.ClassifierJson());
        }

        var keyBefore = (await node.Client().ReceiptKeyAsync())["publicKey"]!.GetValue<string>();
        await node.RestartAsync();
        using var after = node.Client();
        var response = await after.InferAsync("rc-restart", TestModels.ClassifierJson());
        var page = await after.ReceiptsAsync(limit: 1000);
        var chain = page["receipts"]!.AsArray().Select(r => r!["receipt"]!.GetValue<string>()).ToList();

        Assert.Equal(keyBefore, page["publicKey"]!.GetValue<string>());
        Assert.Equal(3, ReceiptEncoding.FromBase64Url(response.Header(ReceiptBook.Header)!).Receipt.Sequence);
        Assert.Equal([1L, 2, 3], chain.Select(r => ReceiptEncoding.FromBase64Url(r).Receipt.Sequence));
        var check = ChainVerifier.Verify(chain, ReceiptPublicKey.Parse(keyBefore));
        Assert.True(check.Valid, check.Problem);
    }

    [Fact]
    public async Task ReceiptsOffSendsNoHeaderAndNoChain()
    {
        await using var node = await EmbeddedStoke.StartAsync(args: ["--Stoke:Receipts:Enabled=false"]);
        using var client = node.Client();
        await client.DeployAsync("rc-off", TestModels.Classifier);

        var response = await client.InferAsync("rc-off", TestModels.ClassifierJson());
        var error = await Assert.ThrowsAsync<StokeClientException>(() => client.ReceiptsAsync());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Null(response.Header(ReceiptBook.Header));
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
    }
}
