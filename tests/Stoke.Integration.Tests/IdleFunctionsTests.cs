using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Stoke.Engines.Onnx.Tests.Support;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests;

/// <summary>
/// Issue 9, thousands of idle functions on one node: deployed and never invoked, they keep no timer and no function
/// controller, and the node serves another function promptly among them (BENCHMARKS.md, "Ten thousand idle functions").
/// </summary>
public sealed class IdleFunctionsTests(IdleFunctionsTests.IdleNode idle) : IClassFixture<IdleFunctionsTests.IdleNode>
{
    private const string FunctionGrainType = "Stoke.Runtime.Grains.FunctionGrain";
    private const string Request = """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""";

    [Fact]
    public async Task ThousandsOfIdleFunctionsFireNoTimerAndTheNodeStillServesAnotherPromptly()
    {
        // A controller's timer fires every 250 ms here: one per idle function would fire thousands of times.
        var before = idle.Clock.Fired.GetValueOrDefault(FunctionGrainType);
        await Task.Delay(TimeSpan.FromSeconds(3), TimeProvider.System);
        var fired = idle.Clock.Fired.GetValueOrDefault(FunctionGrainType) - before;
        var live = idle.Clock.Live.GetValueOrDefault(FunctionGrainType);

        using var client = idle.Node.Client(IdleNode.Key(0));
        var clock = Stopwatch.StartNew();
        var response = await client.InferAsync(IdleNode.Probe, Request);
        var elapsed = clock.Elapsed;

        Assert.Equal(0, fired);
        Assert.Equal(0, live);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"the cold start among {IdleNode.Functions} idle functions took {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task StatusAndUsageOfThousandsOfIdleFunctionsLeaveNoControllerActive()
    {
        // What the dashboard polls: the status of every function, and each tenant's usage.
        using var operatorClient = idle.Node.Client(IdleNode.OperatorKey);
        var status = await operatorClient.StatusAsync();
        Assert.Equal(IdleNode.Functions + 1, status["functions"]!.AsArray().Count);
        foreach (var t in Enumerable.Range(0, IdleNode.Tenants))
        {
            using var client = idle.Node.Client(IdleNode.Key(t));
            await client.UsageAsync();
        }

        await Eventually.ReturnsAsync(IdleControllersAsync, n => n == 0, TimeSpan.FromSeconds(20), "no idle function's controller active");
    }

    // Activations of the idle functions' controllers (the probe's excluded: it may have served), from Orleans' management grain.
    private async Task<int> IdleControllersAsync()
    {
        var stats = await idle.Node.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return stats.Count(s => s.GrainType.Contains(FunctionGrainType, StringComparison.Ordinal) && s.GrainId.ToString().Contains("/idle-", StringComparison.Ordinal));
    }

    /// <summary>
    /// One node with <see cref="Functions"/> functions deployed over <see cref="Tenants"/> tenants, all on one tiny ONNX
    /// model, plus <see cref="Probe"/>; its clock counts the timers.
    /// </summary>
    public sealed class IdleNode : IAsyncLifetime
    {
        public const int Functions = 2000;
        public const int Tenants = 20;
        public const string Probe = "probe";
        public const string OperatorKey = "operator-key";

        // One Identity node on FP32 [n,4]: a hundred bytes, loaded in a millisecond, stored once for all functions.
        private static readonly byte[] Model = OnnxModelWriter.Build(new OnnxModelWriter.Node("Identity", "x", 1, ["n", "4"]));

        public CountingTimeProvider Clock { get; } = new();

        public EmbeddedStoke Node { get; private set; } = null!;

        public static string Key(int tenant) => "tenant-key-" + tenant.ToString(CultureInfo.InvariantCulture);

        public async Task InitializeAsync()
        {
            Node = await EmbeddedStoke.StartAsync(services: s => s.AddSingleton<TimeProvider>(Clock), gateway: g => g.ApiKeys =
            [
                .. Enumerable.Range(0, Tenants).Select(t => new ApiKeyOptions { Key = Key(t), Tenant = "t" + t.ToString(CultureInfo.InvariantCulture) }),
                new ApiKeyOptions { Key = OperatorKey, Tenant = "ops", Role = ApiKeyRole.Operator },
            ]);
            var clients = Enumerable.Range(0, Tenants).Select(t => Node.Client(Key(t))).ToArray();
            try
            {
                // Function i goes to tenant i mod Tenants; the probe to tenant 0.
                var names = Enumerable.Range(0, Functions).Select(i => (Name: "idle-" + i.ToString("D5", CultureInfo.InvariantCulture), Tenant: i % Tenants)).Append((Name: Probe, Tenant: 0));
                await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (f, ct) =>
                    await clients[f.Tenant].DeployAsync(f.Name, Model, new Dictionary<string, string> { ["keepAliveSeconds"] = "2" }, ct));
            }
            finally
            {
                foreach (var c in clients)
                {
                    c.Dispose();
                }
            }
        }

        public async Task DisposeAsync() => await Node.DisposeAsync();
    }
}
