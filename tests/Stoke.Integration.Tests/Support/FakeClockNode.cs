using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Functions;
using Stoke.Client;
using Stoke.Gateway.Hosting;
using Stoke.Runtime.Instances;
using Stoke.Runtime.Routing;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A real embedded node (Orleans silo, Kestrel, ONNX Runtime) whose clock is a <see cref="FakeTimeProvider"/> and whose
/// engine is a <see cref="ServiceTimeEngine"/>, driven one fake second at a time with explicit barriers instead of
/// sleeps. At each instant the node does what the simulator does at one instant, in the same order: control ticks,
/// then instances becoming ready (in the order they were started), then completions (one at a time), then arrivals;
/// after each phase the test waits for the node to settle: every request it sent is running on the engine or held by
/// the controller, and every loading instance waits for the test to release its load.
/// </summary>
public sealed class FakeClockNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _data;
    private readonly List<Task<Sent>> _sent = [];
    private readonly List<string> _settles = [];
    private List<string> _started = [];

    private readonly NodeHost _instances;
    private readonly NodeRouter _router;
    private readonly int _capacity;
    private readonly string _key;
    private readonly int _version;

    private FakeClockNode(IHost host, string data, FakeTimeProvider time, ServiceTimeEngine engine, StokeClient client, string function, int capacity, string key, int version)
    {
        _key = key;
        _version = version;
        _host = host;
        _instances = host.Services.GetRequiredService<NodeHost>();
        _router = host.Services.GetRequiredService<NodeRouter>();
        _capacity = capacity;
        _data = data;
        Time = time;
        Engine = engine;
        Client = client;
        Function = function;
        Start = time.GetUtcNow();
    }

    public FakeTimeProvider Time { get; }

    public ServiceTimeEngine Engine { get; }

    public StokeClient Client { get; }

    /// <summary>The function the node serves (deployed at start on the service-time engine).</summary>
    public string Function { get; }

    public DateTimeOffset Start { get; }

    /// <summary>Fake time since the node started.</summary>
    public TimeSpan Elapsed => Time.GetUtcNow() - Start;

    /// <summary>Starts a node with the given control interval and deploys <paramref name="function"/> with the test classifier.</summary>
    public static async Task<FakeClockNode> StartAsync(
        DateTimeOffset start, TimeSpan controlInterval, TimeSpan serviceTime, string function, IReadOnlyDictionary<string, string> settings)
    {
        var fake = new FakeTimeProvider(start);
        var engine = new ServiceTimeEngine(fake, serviceTime);
        var data = Path.Combine(Path.GetTempPath(), "stoke-fake-" + Guid.NewGuid().ToString("N")[..8]);
        var host = StokeHost.Create(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = data,
            SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(),
            ClusterId = "fake-" + Guid.NewGuid().ToString("N")[..8],
            ConfigureNode = o => o.ControlInterval = controlInterval,
            ConfigureServices = s =>
            {
                s.AddSingleton<TimeProvider>(fake);
                s.AddSingleton<IInferenceEngine>(engine);
            },
        });
        await host.StartAsync();
        var client = new StokeClient(host.Services.GetRequiredService<GatewayServer>().Address!);
        var all = new Dictionary<string, string>(settings) { ["engine"] = ServiceTimeEngine.EngineName };
        await client.DeployAsync(function, TestModels.Classifier, all);
        var capacity = settings.TryGetValue("instanceConcurrency", out var c) ? int.Parse(c, System.Globalization.CultureInfo.InvariantCulture) : new ScalingOptions().InstanceConcurrency;
        var deployed = (await client.DescribeAsync(function))["status"]!.AsArray()[^1]!;
        return new FakeClockNode(host, data, fake, engine, client, function, capacity,
            deployed["function"]!.GetValue<string>(), deployed["version"]!.GetValue<int>());
    }

    /// <summary>Moves fake time to <paramref name="to"/> (since start) one second at a time.</summary>
    public async Task AdvanceToAsync(TimeSpan to)
    {
        while (Elapsed < to)
        {
            // Ticks fire inside Advance; the status calls of the barrier queue behind them in the controller.
            Time.Advance(TimeSpan.FromSeconds(1));
            await SettleAsync();
            await ReleaseLoadsAsync();

            // One completion at a time, as the simulator processes the events of one instant.
            while (Engine.ReleaseNext(StartIndex))
            {
                await SettleAsync();
            }
        }
    }

    /// <summary>Sends a burst now; its requests arrive together, before any load they start completes.</summary>
    public async Task SendAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var sentAt = Time.GetUtcNow();
            _sent.Add(Task.Run(async () =>
            {
                var response = await Client.InferAsync(Function, TestModels.ClassifierJson());
                return new Sent(sentAt, response, Time.GetUtcNow());
            }));
        }

        await SettleAsync();
        await ReleaseLoadsAsync();
    }

    /// <summary>Every request sent so far, once answered.</summary>
    public async Task<Sent[]> AllAsync() => await Task.WhenAll(_sent);

    /// <summary>The function's live status (its latest version).</summary>
    public async Task<System.Text.Json.Nodes.JsonNode> StatusAsync() => (await Client.DescribeAsync(Function))["status"]!.AsArray()[^1]!;

    /// <summary>The ids of the instances started so far, in start order (from the decision log).</summary>
    public IReadOnlyList<string> Started => _started;

    // The node has settled when every request in flight runs on the engine or is held by the controller, every
    // loading instance waits for the test to release its load, and the controller has answered a status call (so the
    // ticks before it have run). Two events may still be on their way while those counts balance, and the settled
    // node must have taken both: the controller's holding flag on its way to the node's router (without it a freed
    // slot is not reported, and a held request waits a tick), and a freed slot's report on its way to the controller
    // (while the controller holds requests, no ready instance has a free slot once it has dispatched).
    // The controller's counts (the status call) and the node's (engine, instances, client) are read at different
    // moments: the node's are read before and after the status call and must not have moved in between, or a held
    // request dispatched during the call would count as held in the status and be missing from the engine, and the
    // sums would balance with it still on its way.
    public async Task SettleAsync()
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var before = LocalState();
            var status = await StatusAsync();
            var local = LocalState();
            _started = [.. status["recentDecisions"]!.AsArray()
                .Where(e => e!["kind"]!.GetValue<string>() == "start")
                .Select(e => InstanceOf(e!["detail"]!.GetValue<string>()))];
            var held = status["held"]!.GetValue<int>();
            var loading = status["instances"]!.AsArray().Count(i => i!["phase"]!.GetValue<string>() == "Loading");
            var key = status["function"]!.GetValue<string>();
            var version = status["version"]!.GetValue<int>();
            var slotFree = held > 0 && status["instances"]!.AsArray()
                .Where(i => i!["phase"]!.GetValue<string>() == "Ready")
                .Any(i => _instances.InFlightOf(i!["instanceId"]!.GetValue<string>()) < _capacity);
            if (local == before && loading == local.BlockedLoads && local.Waiting + held == local.InFlight
                && _router.IsHolding(key, version) == held > 0 && !slotFree)
            {
                _settles.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{Elapsed.TotalSeconds:0}s: {local.InFlight} in flight, {local.Waiting} on the engine, {held} held, instances [{string.Join(", ", status["instances"]!.AsArray().Select(i => $"{i!["instanceId"]} {i["phase"]} {_instances.InFlightOf(i["instanceId"]!.GetValue<string>())}/{i["inFlight"]}"))}], {status["recentDecisions"]!.AsArray().Count} decisions"));
                return;
            }

            if (DateTime.UtcNow > until)
            {
                throw new Xunit.Sdk.XunitException($"The node did not settle: {local.InFlight} in flight, {local.Waiting} on the engine, {held} held, {loading} loading, {local.BlockedLoads} loads waiting, router holding {_router.IsHolding(key, version)}, a slot free {slotFree}, the node's counts moved during the status call {local != before}.");
            }

            await Task.Delay(20);
        }
    }

    // What the node and the test client count, read without the controller: equal twice means nothing moved between.
    private NodeCounts LocalState() => new(
        Engine.Waiting, Engine.Started, Engine.BlockedLoads.Count, _sent.Count(t => !t.IsCompleted),
        string.Join(",", _instances.LoadOf(_key, _version).Select(l => $"{l.InstanceId}:{l.Ready}:{l.InFlight}:{l.QueueDepth}")));

    private readonly record struct NodeCounts(int Waiting, int Started, int BlockedLoads, int InFlight, string Instances);

    /// <summary>What each settle saw (fake time, counts, each instance's node and controller in-flight), for a failure's message.</summary>
    public string SettleHistory => string.Join(Environment.NewLine, _settles);

    /// <summary>The instance id a decision's detail starts with (<c>id: ...</c>).</summary>
    public static string InstanceOf(string detail) => detail[..detail.IndexOf(':', StringComparison.Ordinal)];

    // Loads finish one at a time in the order their instances were started.
    private async Task ReleaseLoadsAsync()
    {
        while (Engine.BlockedLoads.Count > 0)
        {
            Engine.ReleaseLoad(Engine.BlockedLoads.OrderBy(StartIndex).First());
            await SettleAsync();
        }
    }

    private int StartIndex(string instanceId)
    {
        var i = _started.ToList().IndexOf(instanceId);
        return i < 0 ? int.MaxValue : i;
    }

    public async ValueTask DisposeAsync()
    {
        Engine.ReleaseAll();
        Client.Dispose();
        await _host.StopAsync();
        _host.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A request as the test client saw it: sent and answered at these fake times.</summary>
    public sealed record Sent(DateTimeOffset SentAt, InferResponse Response, DateTimeOffset AnsweredAt);
}
