using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Integration.Tests.Support;
using Stoke.Policies;
using Stoke.Simulator;
using Stoke.Simulator.Traces;

namespace Stoke.Integration.Tests;

/// <summary>
/// The simulator runs the server's controller: a trace with a burst, played through the simulator and through a live
/// embedded node on fake time, must give the same scaling decisions (start, ready, stop, the controller's targets,
/// the panic scale-out) and the same routing decisions (which instance served each request, and when it started and
/// finished), at the same virtual times.
/// </summary>
/// <remarks>
/// How the live node is driven on fake time:
/// - Requests take a service time on the fake clock (<see cref="ServiceTimeEngine"/>: a real ONNX session that waits
///   for the test to release it once its service time has passed), and each instance takes one at a time
///   (<c>instanceConcurrency=1</c>, batches of one), so a burst shows as concurrency and saturation, and the
///   controller holds requests until a slot frees or a new instance is ready.
/// - Fake time moves one second at a time. At each instant the node does what the simulator does at one instant, in
///   the same order: control ticks, then instances becoming ready (model loads take real time but no fake time), then
///   completions, then arrivals. After each phase the test waits for the node to settle: every request it has sent is
///   either running on the engine or held by the controller, and no instance is loading.
/// - The simulator replays the same arrivals with the same service time and zero load time.
/// </remarks>
public sealed partial class BurstParityTests
{
    private const string Function = "burst-cls";
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Service = TimeSpan.FromSeconds(3);
    private static readonly DateTimeOffset Start = new(2026, 2, 2, 8, 0, 0, TimeSpan.Zero);

    // (second, concurrent requests): a cold start, a warm single, a burst of 7 that saturates the one instance and
    // makes the autoscaler panic and scale out to the maximum, a tail that finds several instances busy, then quiet
    // until keep-alive releases them all and a last request cold-starts again.
    private static readonly (int Second, int Requests)[] Trace =
    [
        (1, 1), (5, 1), (9, 7), (15, 2), (17, 3), (21, 1), (31, 1), (95, 1),
    ];

    private static readonly TimeSpan End = TimeSpan.FromSeconds(130);

    private static ScalingOptions Scaling => new()
    {
        Autoscaler = PolicyNames.Kpa,
        KeepAlive = PolicyNames.FixedKeepAlive,
        KeepAliveTtl = TimeSpan.FromSeconds(20),
        TargetConcurrency = 1,
        MaxInstances = 4,
        StableWindow = TimeSpan.FromSeconds(12),
        PanicWindow = TimeSpan.FromSeconds(4),
        InstanceConcurrency = 1,
    };

    [Fact]
    public async Task SimulatorAndLiveNodeScaleOutAndRouteTheBurstAlike()
    {
        var simulated = Simulate();
        var live = await PlayLiveAsync();

        Assert.Contains(simulated.Decisions, d => d.Contains("start", StringComparison.Ordinal) && d.Contains("i3", StringComparison.Ordinal));
        try
        {
            Assert.Equal(simulated.Routes, live.Routes);
            Assert.Equal(simulated.Decisions, live.Decisions);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}{Environment.NewLine}live decisions:{Environment.NewLine}{string.Join(Environment.NewLine, live.Decisions)}{Environment.NewLine}settles:{Environment.NewLine}{live.Settles}");
        }
    }

    private static (List<string> Decisions, List<string> Routes) Simulate()
    {
        var requests = Trace
            .SelectMany(a => Enumerable.Repeat(new TraceRequest(Start.AddSeconds(a.Second), Function, Service), a.Requests))
            .ToList();
        var report = SimulationRunner.Run(new SimulationOptions
        {
            Label = "burst-parity",
            Workload = () => requests,
            Catalog = _ => new PolicyCatalog(),
            Scaling = Scaling,
            InstanceConcurrency = 1,
            LoadTime = EmpiricalDistribution.Constant(TimeSpan.Zero),
            TickInterval = Tick,
            ServerControlLoop = true,
            RecordDecisions = true,
            RecordRequests = true,
        });
        var order = report.Decisions.Where(d => d.Kind == "start").Select(d => d.InstanceId).ToList();
        var decisions = report.Decisions
            .Where(d => d.Kind is "start" or "ready" or "stop" or "scale")
            .Select(d => Describe(d.At, d.Kind, d.Kind == "scale" ? d.Target : null, d.Kind == "scale" ? null : order.IndexOf(d.InstanceId)))
            .ToList();
        var routes = report.Requests
            .Select(r => Route(r.ArrivedAt, order.IndexOf(r.InstanceId), r.StartedAt, r.CompletedAt))
            .Order(StringComparer.Ordinal)
            .ToList();
        return (decisions, routes);
    }

    private static async Task<(List<string> Decisions, List<string> Routes, string Settles)> PlayLiveAsync()
    {
        await using var node = await FakeClockNode.StartAsync(Start, Tick, Service, Function, new Dictionary<string, string>
        {
            ["autoscaler"] = Scaling.Autoscaler,
            ["keepAlive"] = Scaling.KeepAlive,
            ["keepAliveSeconds"] = "20",
            ["targetConcurrency"] = "1",
            ["maxInstances"] = "4",
            ["stableWindowSeconds"] = "12",
            ["panicWindowSeconds"] = "4",
            ["instanceConcurrency"] = "1",
            ["maxBatchSize"] = "1",
        });
        foreach (var (second, count) in Trace)
        {
            await node.AdvanceToAsync(TimeSpan.FromSeconds(second));
            await node.SendAsync(count);
        }

        await node.AdvanceToAsync(End);
        var responses = await node.AllAsync();
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Response.Status));

        var log = (await node.StatusAsync())["recentDecisions"]!.AsArray()
            .Select(e => (At: e!["at"]!.GetValue<DateTimeOffset>(), Kind: e["kind"]!.GetValue<string>(), Detail: e["detail"]!.GetValue<string>()))
            .ToList();
        var order = log.Where(e => e.Kind == "start").Select(e => FakeClockNode.InstanceOf(e.Detail)).ToList();
        var decisions = log
            .Where(e => e.Kind is "start" or "ready" or "stop" or "scale")
            .Select(e => Describe(e.At, e.Kind, e.Kind == "scale" ? TargetOf(e.Detail) : null, e.Kind == "scale" ? null : order.IndexOf(FakeClockNode.InstanceOf(e.Detail))))
            .ToList();
        var routes = responses
            .Select(r => Route(r.SentAt, order.IndexOf(r.Response.Header("Stoke-Instance")!), r.AnsweredAt - Service, r.AnsweredAt))
            .Order(StringComparer.Ordinal)
            .ToList();
        return (decisions, routes, node.SettleHistory);
    }

    private static string Describe(DateTimeOffset at, string kind, int? target, int? instance) =>
        string.Create(CultureInfo.InvariantCulture, $"{(at - Start).TotalSeconds:0.###}s {kind}{(target is { } t ? " target " + t : "")}{(instance is { } i ? " i" + i : "")}");

    private static string Route(DateTimeOffset arrived, int instance, DateTimeOffset started, DateTimeOffset completed) =>
        string.Create(CultureInfo.InvariantCulture, $"arrived {(arrived - Start).TotalSeconds:000}s on i{instance} ran {(started - Start).TotalSeconds:000}-{(completed - Start).TotalSeconds:000}s");


    private static int TargetOf(string reason)
    {
        var match = TargetPattern().Match(reason);
        Assert.True(match.Success, "no target in: " + reason);
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"target (\d+) \(have")]
    private static partial Regex TargetPattern();
}
