using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Stoke.Client;
using Stoke.Gateway.Hosting;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// Two cluster nodes on a real store that a test stops and starts again under steady inference load over HTTP:
/// several clients per node, each request with a deadline, every answer recorded against the moments the store went
/// away and came back. One run per test class (<c>IClassFixture</c>); its facts read the <see cref="Report"/>.
/// </summary>
public abstract class StoreOutage : IAsyncLifetime
{
    /// <summary>The deadline each request carries (<c>Stoke-Timeout-Ms</c>).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    /// <summary>How much later than its deadline an answer may come (two busy cores, GC) before it counts as a hang.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    /// <summary>The deadline of the request that cold-starts <see cref="Spare"/> while the store is away.</summary>
    public static readonly TimeSpan ColdDeadline = TimeSpan.FromSeconds(10);

    /// <summary>How long the store stays away.</summary>
    public static readonly TimeSpan Away = TimeSpan.FromSeconds(6);

    /// <summary>The bound on recovery after the store is back: deploys, refusals and usage.</summary>
    public static readonly TimeSpan RecoverWithin = TimeSpan.FromSeconds(30);

    public const string Function = "cls-outage";

    /// <summary>Deployed before the outage and never invoked before it: a deploy of its second version is tried while
    /// the store is away, then a request that must start its first instance.</summary>
    public const string Spare = "cls-spare";

    private const int ClientsPerNode = 2;
    private readonly string _root = Directory.CreateTempSubdirectory("stoke-outage-").FullName;
    private readonly string _clusterId = "outage-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<IHost> _hosts = [];

    public OutageReport Report { get; private set; } = null!;

    /// <summary>What the nodes printed at warning and above, for assertion messages.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    public async Task InitializeAsync()
    {
        var store = await StartStoreAsync();
        var nodes = new List<Uri>();
        foreach (var name in new[] { "a", "b" })
        {
            nodes.Add(await StartNodeAsync(name, store));
        }

        Report = await RunAsync(nodes);
        // The figure in BENCHMARKS.md: one line per run, appended where STOKE_OUTAGE_REPORT points.
        if (Environment.GetEnvironmentVariable("STOKE_OUTAGE_REPORT") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, Report.Line(GetType().DeclaringType?.Name ?? GetType().Name) + Environment.NewLine);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await host.StopAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
            }

            host.Dispose();
        }

        await DisposeStoreAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Starts the store and returns the settings that point a node at it.</summary>
    protected abstract Task<Func<StokeHostSettings, StokeHostSettings>> StartStoreAsync();

    /// <summary>Stops the store's server by its PID.</summary>
    protected abstract Task StopStoreAsync();

    /// <summary>Starts the store's server again on the same port, with whatever data it kept.</summary>
    protected abstract Task StartStoreAgainAsync();

    protected abstract ValueTask DisposeStoreAsync();

    private async Task<Uri> StartNodeAsync(string name, Func<StokeHostSettings, StokeHostSettings> store)
    {
        var host = StokeHost.Create(store(new StokeHostSettings
        {
            Url = "http://127.0.0.1:0",
            DataDirectory = Path.Combine(_root, name),
            Repository = Path.Combine(_root, "repository"),
            ClusterId = _clusterId,
            SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(),
            ConfigureStore = o => o.ProbeInterval = TimeSpan.FromMilliseconds(250),
            ConfigureServices = s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs),
        }));
        await host.StartAsync();
        _hosts.Add(host);
        return host.Services.GetRequiredService<GatewayServer>().Address!;
    }

    private async Task<OutageReport> RunAsync(IReadOnlyList<Uri> nodes)
    {
        var body = TestModels.ClassifierJson();
        using var admin = new StokeClient(nodes[0]);
        await admin.DeployAsync(Function, TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "600" });
        await admin.DeployAsync(Spare, TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "600" });
        var expected = new List<string>();
        foreach (var node in nodes)
        {
            using var warm = new StokeClient(node);
            var answer = await warm.InferAsync(Function, body, timeout: TimeSpan.FromSeconds(60));
            Assert.True(answer.Status == HttpStatusCode.OK, $"warm-up on {node}: {(int)answer.Status} {answer.Text}");
            expected.Add(Outputs(answer.Body));
        }

        Assert.Single(expected.Distinct());
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = Timeout.InfiniteTimeSpan };
        using var stopLoad = new CancellationTokenSource();
        var outcomes = new List<RequestOutcome>();
        var workers = nodes.SelectMany((node, index) => Enumerable.Range(0, ClientsPerNode).Select(_ => Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                var outcome = await SendAsync(http, node, index, Function, Deadline, body, expected[0], clock);
                lock (outcomes)
                {
                    outcomes.Add(outcome);
                }

                try
                {
                    await Task.Delay(20, stopLoad.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }))).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var stoppedAt = clock.Elapsed;
        await StopStoreAsync();
        // A deploy while the store is away: refused clearly, or applied whole once the store is back; never half.
        var duringDeploy = await DeployAsync(http, nodes[1], Spare, TimeSpan.FromSeconds(10));
        var coldDuring = await SendAsync(http, nodes[1], 1, Spare, ColdDeadline, body, expected[0], clock);
        var remaining = Away - (clock.Elapsed - stoppedAt);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        await StartStoreAgainAsync();
        var startedAt = clock.Elapsed;
        DeployAttempt? firstDeployBack = null;
        var deploysAfter = new List<DeployAttempt>();
        while (clock.Elapsed - startedAt < RecoverWithin)
        {
            var attempt = await DeployAsync(http, nodes[0], "cls-after", TimeSpan.FromSeconds(10));
            deploysAfter.Add(attempt);
            if (attempt.Succeeded)
            {
                firstDeployBack = attempt with { At = clock.Elapsed - startedAt };
                break;
            }

            await Task.Delay(250);
        }

        // Load goes on a while after the store is back: refusals must have stopped by then.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var loadEndedAt = clock.Elapsed;
        await stopLoad.CancelAsync();
        await Task.WhenAll(workers);

        // The warm-up requests are billed too.
        var answered = outcomes.Count(o => o.Status == HttpStatusCode.OK) + expected.Count;
        var usage = await SettleUsageAsync(admin, answered, clock);
        var verify = await admin.VerifyUsageAsync();
        var during = await DescribeAfterAsync(http, nodes[0], Spare, body);
        // The nodes' log of what they answered 500, for the assertion messages.
        var internalErrors = Logs.Entries.Where(e => e.Category == Stoke.Gateway.Errors.ErrorResponses.LogCategory).Select(e => e.Exception?.ToString() ?? e.Message).ToArray();
        return new OutageReport(
            [.. outcomes.OrderBy(o => o.SentAt)], stoppedAt, startedAt, loadEndedAt, duringDeploy, coldDuring, during, firstDeployBack, deploysAfter, answered, usage, verify, internalErrors);
    }

    private static async Task<RequestOutcome> SendAsync(HttpClient http, Uri node, int index, string function, TimeSpan deadline, string body, string expected, Stopwatch clock)
    {
        var sentAt = clock.Elapsed;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node, $"v2/models/{function}/infer"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Stoke-Timeout-Ms", ((long)deadline.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var patience = new CancellationTokenSource(deadline + Slack);
        try
        {
            using var response = await http.SendAsync(request, patience.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(patience.Token);
            var ok = response.StatusCode == HttpStatusCode.OK;
            return new RequestOutcome(index, sentAt, clock.Elapsed - sentAt, response.StatusCode, response.Headers.RetryAfter is not null,
                ok && Outputs(bytes) == expected, ok ? null : Encoding.UTF8.GetString(bytes));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return new RequestOutcome(index, sentAt, clock.Elapsed - sentAt, null, false, false, e.GetType().Name + ": " + e.Message);
        }
    }

    private static async Task<DeployAttempt> DeployAsync(HttpClient http, Uri node, string name, TimeSpan patience)
    {
        using var content = new ByteArrayContent(TestModels.Classifier);
        using var cancel = new CancellationTokenSource(patience);
        var started = Stopwatch.StartNew();
        try
        {
            using var response = await http.PostAsync(new Uri(node, $"api/functions/{name}?keepAliveSeconds=600"), content, cancel.Token);
            var text = await response.Content.ReadAsStringAsync(cancel.Token);
            return new DeployAttempt(response.StatusCode, response.Headers.RetryAfter is not null, text, started.Elapsed, TimeSpan.Zero);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return new DeployAttempt(null, false, e.GetType().Name + ": " + e.Message, started.Elapsed, TimeSpan.Zero);
        }
    }

    // The function's billed successes (requests less failures) until they reach what the clients were answered 200.
    private static async Task<UsageSettlement> SettleUsageAsync(StokeClient admin, long answered, Stopwatch clock)
    {
        var from = clock.Elapsed;
        long billed;
        do
        {
            var row = (await admin.UsageAsync(Function))["functions"]!.AsArray()
                .Single(f => f!["version"]!.GetValue<int>() == 1)!;
            billed = row["requests"]!.GetValue<long>() - row["failures"]!.GetValue<long>();
            if (billed >= answered)
            {
                break;
            }

            await Task.Delay(250);
        }
        while (clock.Elapsed - from < RecoverWithin);

        return new UsageSettlement(billed, clock.Elapsed - from);
    }

    // After the store is back: the versions the registry holds of the function a deploy during the outage named,
    // and whether its latest serves.
    private static async Task<string> DescribeAfterAsync(HttpClient http, Uri node, string name, string body)
    {
        using var describe = await http.GetAsync(new Uri(node, $"api/functions/{name}"));
        var versions = string.Join(",", JsonNode.Parse(await describe.Content.ReadAsStringAsync())!["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var infer = await http.PostAsync(new Uri(node, $"v2/models/{name}/infer"), content);
        return $"versions {versions}, " + (infer.StatusCode == HttpStatusCode.OK ? "serving" : $"infer answered {(int)infer.StatusCode}: {await infer.Content.ReadAsStringAsync()}");
    }

    private static string Outputs(byte[] body) => JsonNode.Parse(body)!["outputs"]!.ToJsonString();
}
