using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Stoke.Cli.Commands;
using Stoke.Cli.Tests.Support;
using Stoke.Client;
using Stoke.Receipts.Signing;

namespace Stoke.Cli.Tests;

/// <summary><c>stoke verify</c> on receipts a real node signed: 0 when they hold, 3 when a record or body was tampered with.</summary>
public sealed class VerifyTests(TestNode node) : IClassFixture<TestNode>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("stoke-verify-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Request(float seed) =>
        $$"""{"inputs":[{"name":"x","shape":[1,3,48,192],"datatype":"FP32","data":[{{string.Join(",", Enumerable.Range(0, 3 * 48 * 192).Select(i => MathF.Sin((i * 0.01f) + seed).ToString("R", CultureInfo.InvariantCulture)))}}]}]}""";

    private async Task<(string Key, List<(string Receipt, string Request, byte[] Response)> Calls)> InferAsync(string function, int count)
    {
        using var client = new StokeClient(new Uri(node.Address));
        await client.DeployAsync(function, File.ReadAllBytes(TestNode.ClassifierPath));
        var calls = new List<(string, string, byte[])>();
        for (var i = 0; i < count; i++)
        {
            var request = Request(i);
            var response = await client.InferAsync(function, request);
            calls.Add((response.Header("Stoke-Receipt")!, request, response.Body));
        }

        return ((await client.ReceiptKeyAsync())["publicKey"]!.GetValue<string>(), calls);
    }

    private string Save(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task ReceiptWithItsBodiesVerifiesAndATamperedResponseFails()
    {
        var (key, calls) = await InferAsync("verify-one", 1);
        var (receipt, request, response) = calls[0];
        var requestFile = Save("request.json", Encoding.UTF8.GetBytes(request));

        var (ok, okOutput) = await CliRun.InvokeAsync("verify", "--receipt", receipt, "--key", key, "--request", requestFile, "--response", Save("response.json", response));
        var (tampered, tamperedOutput) = await CliRun.InvokeAsync("verify", "--receipt", receipt, "--key", key, "--request", requestFile, "--response", Save("tampered.json", [.. response, (byte)'\n']));

        Assert.True(ok == 0, okOutput);
        Assert.Contains("bodies match", okOutput, StringComparison.Ordinal);
        Assert.Equal(VerifyCommand.NotVerified, tampered);
        Assert.Contains("response body", tamperedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherKeyFailsWithExitThreeAndAMalformedKeyWithExitTwo()
    {
        var (_, calls) = await InferAsync("verify-key", 1);
        using var other = NodeKey.CreateEphemeral();

        var (wrong, wrongOutput) = await CliRun.InvokeAsync("verify", "--receipt", calls[0].Receipt, "--key", other.PublicKeyText);
        var (malformed, _) = await CliRun.InvokeAsync("verify", "--receipt", calls[0].Receipt, "--key", "nope");
        var (neither, _) = await CliRun.InvokeAsync("verify", "--key", other.PublicKeyText);

        Assert.Equal(VerifyCommand.NotVerified, wrong);
        Assert.Contains("fails its signature", wrongOutput, StringComparison.Ordinal);
        Assert.Equal(2, malformed);
        Assert.Equal(1, neither);
    }

    [Fact]
    public async Task ChainFromTheNodesUrlVerifiesWithTheKeyStatusShows()
    {
        var (key, _) = await InferAsync("verify-url", 2);

        var (code, output) = await CliRun.InvokeAsync("verify", "--chain", node.Address.TrimEnd('/') + "/api/receipts?limit=1", "--key", key);
        var (_, status) = await CliRun.InvokeAsync("status", "--server", node.Address);

        Assert.True(code == 0, output);
        Assert.Contains("linked to the one before", output, StringComparison.Ordinal);
        Assert.Contains($"receipts: Ed25519 public key {key}", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SavedChainWithADroppedOrReorderedRecordFails()
    {
        var (key, _) = await InferAsync("verify-file", 3);
        using var client = new StokeClient(new Uri(node.Address));
        var saved = await client.ReceiptsAsync(limit: 1000);
        var intact = Save("intact.json", Encoding.UTF8.GetBytes(saved.ToJsonString()));
        var items = saved["receipts"]!.AsArray();

        var dropped = saved.DeepClone();
        dropped["receipts"]!.AsArray().RemoveAt(1);
        var reordered = saved.DeepClone();
        var list = reordered["receipts"]!.AsArray();
        var moved = list[0]!.DeepClone();
        list.RemoveAt(0);
        list.Insert(1, moved);

        var (intactCode, intactOutput) = await CliRun.InvokeAsync("verify", "--chain", intact, "--key", key);
        var (droppedCode, droppedOutput) = await CliRun.InvokeAsync("verify", "--chain", Save("dropped.json", Encoding.UTF8.GetBytes(dropped.ToJsonString())), "--key", key);
        var (reorderedCode, reorderedOutput) = await CliRun.InvokeAsync("verify", "--chain", Save("reordered.json", Encoding.UTF8.GetBytes(reordered.ToJsonString())), "--key", key);

        Assert.True(items.Count >= 3);
        Assert.True(intactCode == 0, intactOutput);
        Assert.Equal(VerifyCommand.NotVerified, droppedCode);
        Assert.Contains("dropped", droppedOutput, StringComparison.Ordinal);
        Assert.Equal(VerifyCommand.NotVerified, reorderedCode);
        Assert.Contains("reordered", reorderedOutput, StringComparison.Ordinal);
    }
}
