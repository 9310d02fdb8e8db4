using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Usage;
using Stoke.Cli.Tests.Support;
using Stoke.Runtime.Ledger;

namespace Stoke.Cli.Tests;

/// <summary><c>stoke usage --verify</c> against a real node: exit 0 while the usage equals the ledger, 3 when it does not.</summary>
public sealed class UsageVerifyTests(TestNode node) : IClassFixture<TestNode>
{
    [Fact]
    public async Task VerifiesBeforeAndAfterADeleteAndFailsOnAForgedEntry()
    {
        var server = node.Address;
        var (code, output) = await CliRun.InvokeAsync("deploy", "cls-verify", "--model", TestNode.ClassifierPath, "--keep-alive-seconds", "30", "--server", server);
        Assert.True(code == 0, output);
        var input = Path.Combine(Path.GetTempPath(), "stoke-verify-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        await File.WriteAllTextAsync(input, TestNode.ClassifierRequest);
        try
        {
            (code, output) = await CliRun.InvokeAsync("invoke", "cls-verify", "--input", "@" + input, "--timeout-ms", "20000", "--server", server);
            Assert.True(code == 0, output);
        }
        finally
        {
            File.Delete(input);
        }

        (code, output) = await CliRun.InvokeAsync("usage", "--verify", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("usage verified", output, StringComparison.Ordinal);

        (code, output) = await CliRun.InvokeAsync("delete", "cls-verify", "--server", server);
        Assert.True(code == 0, output);
        (code, output) = await CliRun.InvokeAsync("usage", "--verify", "--server", server);
        Assert.True(code == 0, output);
        Assert.Contains("deleted", output, StringComparison.Ordinal);

        await CliRun.InvokeAsync("deploy", "cls-verify2", "--model", TestNode.ClassifierPath, "--server", server);
        var ledger = node.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantLedgerGrain>("default");
        await ledger.Append([new LedgerEntry
        {
            Function = "cls-verify2",
            Version = 1,
            Node = "forged-node",
            Sequence = 1,
            Usage = new UsageSummary { Function = "cls-verify2", Version = 1, Requests = 5, Cost = 1m },
        }]);
        (code, output) = await CliRun.InvokeAsync("usage", "--verify", "--server", server);
        Assert.Equal(3, code);
        Assert.Contains("usage NOT verified", output, StringComparison.Ordinal);
        Assert.Contains("cls-verify2/1", output, StringComparison.Ordinal);
    }
}
