using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Stoke.Abstractions.Usage;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Ledger;

namespace Stoke.Integration.Tests;

/// <summary>The tenant's usage ledger on a real embedded node: it outlives deletes and restarts, and appends each batch once.</summary>
public sealed class LedgerTests
{
    private static readonly Dictionary<string, string> Quick = new() { ["keepAliveSeconds"] = "60" };

    [Fact]
    public async Task ADeletedFunctionsUsageStaysInTheLedgerAcrossARestartAndStillVerifies()
    {
        await using var stoke = await EmbeddedStoke.StartAsync();
        using (var client = stoke.Client())
        {
            await client.DeployAsync("cls-ledger", TestModels.Classifier, Quick);
            for (var i = 0; i < 3; i++)
            {
                await client.InferAsync("cls-ledger", TestModels.ClassifierJson());
            }

            var billed = (await client.UsageAsync("cls-ledger"))["functions"]![0]!;
            var before = await client.VerifyUsageAsync();
            Assert.True(before["consistent"]!.GetValue<bool>(), before.ToJsonString());
            Assert.Equal(3, before["versions"]![0]!["billed"]!["requests"]!.GetValue<long>());

            await client.DeleteAsync("cls-ledger");
            await stoke.RestartAsync();
            Assert.Equal(3, billed["requests"]!.GetValue<long>());
        }

        using var after = stoke.Client();
        var check = await after.VerifyUsageAsync();
        var entries = (await after.LedgerAsync()).AsArray();

        Assert.True(check["consistent"]!.GetValue<bool>(), check.ToJsonString());
        var row = Assert.Single(check["versions"]!.AsArray());
        Assert.True(row!["deleted"]!.GetValue<bool>());
        Assert.Equal(3, row["ledger"]!["requests"]!.GetValue<long>());
        Assert.Equal(3, entries.Sum(e => e!["usage"]!["requests"]!.GetValue<long>()));
        Assert.All(entries, e => Assert.Equal("cls-ledger", e!["function"]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e!["position"]!.GetValue<long>()));
    }

    [Fact]
    public async Task ARetriedAppendAddsNothingAndEntriesPageAcrossSealedPages()
    {
        await using var stoke = await EmbeddedStoke.StartAsync();
        var ledger = stoke.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantLedgerGrain>("ledger-pages");
        var count = LedgerLayout.PageSize + 40;
        var entries = Enumerable.Range(1, count).Select(i => Entry("f", "node-a", i)).ToArray();

        var first = await ledger.Append(entries[..300]);
        var retried = await ledger.Append(entries[..300]);
        var rest = await ledger.Append(entries);
        var totals = await ledger.Totals();
        var fromMiddle = await ledger.Entries(LedgerLayout.PageSize - 5, 20);

        Assert.Equal(300, first);
        Assert.Equal(0, retried);
        Assert.Equal(count - 300, rest);
        Assert.Equal(count, totals.Count);
        Assert.Equal(count, totals.ByVersion["f/1"].Requests);
        Assert.Equal(Enumerable.Range(LedgerLayout.PageSize - 4, 20).Select(i => (long)i), fromMiddle.Select(e => e.Position));
        Assert.Equal(fromMiddle.Select(e => e.Position), fromMiddle.Select(e => e.Sequence));
    }

    [Fact]
    public async Task TheCheckFindsLedgerEntriesTheBilledUsageDoesNotHold()
    {
        await using var stoke = await EmbeddedStoke.StartAsync();
        using var client = stoke.Client();
        await client.DeployAsync("cls-forged", TestModels.Classifier, Quick);
        await client.InferAsync("cls-forged", TestModels.ClassifierJson());
        Assert.True((await client.VerifyUsageAsync())["consistent"]!.GetValue<bool>());

        // An entry no node metered: the ledger would bill a request the function's usage never counted.
        var ledger = stoke.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantLedgerGrain>("default");
        await ledger.Append([Entry("cls-forged", "forged-node", 1)]);
        var check = await client.VerifyUsageAsync();

        Assert.False(check["consistent"]!.GetValue<bool>());
        Assert.False(check["versions"]![0]!["matches"]!.GetValue<bool>());
        Assert.Contains(check["problems"]!.AsArray(), p => p!.GetValue<string>().Contains("cls-forged/1", StringComparison.Ordinal));
    }

    private static LedgerEntry Entry(string function, string node, long sequence) => new()
    {
        Function = function,
        Version = 1,
        Node = node,
        Sequence = sequence,
        Usage = new UsageSummary { Tenant = "t", Function = function, Version = 1, Requests = 1, ComputeMs = 2.5, Cost = 0.001m },
    };
}
