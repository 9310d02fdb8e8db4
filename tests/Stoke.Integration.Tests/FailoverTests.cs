using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Stoke.Client;
using Stoke.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Stoke.Integration.Tests;

/// <summary>
/// Three real `stoke serve` processes (on Redis, and on PostgreSQL) under load through all three gateways; `kill -9` of the node holding an
/// instance, then of the node holding the function's controller. Every request a surviving gateway accepted is
/// answered 200 (retried on another instance, or held by a controller that moved), routing stops sending to a dead
/// node within 2 s, status keeps answering, and the survivors drop the dead nodes.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Function = "cls-failover";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RoutingStopsWithin = TimeSpan.FromSeconds(2);
    private readonly ProcessCluster _cluster = new("failover");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public async Task KillingTheInstanceNodeAndThenTheControllerNodeLosesNoAcceptedRequest(string backend)
    {
        var store = await _cluster.StartStoreAsync(backend);

        // Each node has its own repository: deploys copy the artifact to every node, cold starts fetch from peers.
        var nodes = await _cluster.StartNodesAsync(store, 3);
        await Eventually.ReturnsAsync(() => ProcessCluster.NodeCountAsync(nodes[0]), n => n == 3, Within, "3 nodes in /api/status");
        var ids = await Task.WhenAll(nodes.Select(NodeIdAsync));
        using (var deployer = new StokeClient(nodes[1].Url))
        {
            await deployer.DeployAsync(Function, TestModels.Classifier, new Dictionary<string, string>
            {
                ["minInstances"] = "2", ["maxInstances"] = "3", ["keepAliveSeconds"] = "300", ["timeoutMs"] = "25000",
            });
        }

        // The first request enters node 0, so the controller lives there; the minimum brings a second instance.
        using (var first = new StokeClient(nodes[0].Url))
        {
            Assert.Equal(HttpStatusCode.OK, (await first.InferAsync(Function, TestModels.ClassifierJson())).Status);
        }

        var status = await Eventually.ReturnsAsync(() => FunctionStatusAsync(nodes[0]), s => ReadyNodes(s).Count == 2, Within, "two ready instances");
        var controller = Array.IndexOf(ids, status["controllerNode"]!.GetValue<string>());
        var instanceNodes = ReadyNodes(status).Select(n => Array.IndexOf(ids, n)).ToList();
        var firstVictim = instanceNodes.Cast<int?>().FirstOrDefault(n => n != controller) ?? instanceNodes[0];
        Assert.True(controller >= 0, "the controller runs on one of the three nodes");

        using var load = new Load(nodes);
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var firstKill = watch.Elapsed;
        nodes[firstVictim].KillHard();
        await Task.Delay(TimeSpan.FromSeconds(8));
        var secondVictim = controller == firstVictim ? (firstVictim + 1) % 3 : controller;
        var secondKill = watch.Elapsed;
        nodes[secondVictim].KillHard();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var results = await load.StopAsync();

        var survivor = Enumerable.Range(0, 3).Single(i => i != firstVictim && i != secondVictim);
        var accepted = results.Where(r => r.Gateway == survivor || (r.Gateway == secondVictim && r.Answered < secondKill) || (r.Gateway == firstVictim && r.Answered < firstKill)).ToList();
        var failed = accepted.Where(r => r.Status != HttpStatusCode.OK).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {accepted.Count} accepted requests failed, e.g. {string.Join("; ", failed.Take(5).Select(f => f.Error))}\n{nodes[survivor].Output}");
        Assert.True(accepted.Count(r => r.Gateway == survivor && r.Sent > secondKill) > 10, "the survivor kept serving after the second kill");

        // After each kill, requests sent once routing had 2 s to notice go straight to a live instance (those still in
        // flight at the next kill may rightly be retried).
        var late = accepted.Where(r => (r.Sent > firstKill + RoutingStopsWithin && r.Answered < secondKill) || r.Sent > secondKill + RoutingStopsWithin).ToList();
        var retried = late.Where(r => r.Attempts > 1).ToList();
        Assert.True(retried.Count == 0, $"{retried.Count} of {late.Count} requests sent 2 s after a kill were still routed to a dead node first: {string.Join("; ", retried.Take(5))} (kills at {firstKill} and {secondKill}, victims {firstVictim} and {secondVictim})");

        var statusFailures = load.StatusFailures.Where(f => f.Node == survivor).ToList();
        Assert.True(statusFailures.Count == 0, $"/api/status failed {statusFailures.Count} times on the survivor: {string.Join("; ", statusFailures.Take(3).Select(f => f.Error))}");
        // Usage: nothing the survivor answered is lost; what is unaccounted is at most what the dead gateways had not
        // yet reported (up to one control interval); none of it counts as a failure.
        using (var usageClient = new StokeClient(nodes[survivor].Url))
        {
            var usage = (await usageClient.UsageAsync(Function))["total"]!;
            var billed = usage["requests"]!.GetValue<long>();
            var answeredBySurvivor = accepted.Count(r => r.Gateway == survivor);
            Assert.True(billed >= answeredBySurvivor && billed <= results.Count, $"{billed} requests billed; the survivor answered {answeredBySurvivor}, {results.Count} were sent");
            Assert.Equal(0, usage["failures"]!.GetValue<long>());
        }

        var dropped = await Eventually.ReturnsAsync(() => ProcessCluster.NodeCountAsync(nodes[survivor]), n => n == 1, Within, "the survivor drops both dead nodes");
        Assert.Equal(1, dropped);
        output.WriteLine($"{backend}: {accepted.Count} accepted requests, all 200; {late.Count} sent 2 s after a kill, none retried; the survivor's membership dropped the second dead node {(watch.Elapsed - secondKill).TotalSeconds:F1} s after its kill");
    }

    private static List<string> ReadyNodes(JsonNode status) =>
        [.. status["instances"]!.AsArray().Where(i => i!["phase"]!.GetValue<string>() == "Ready").Select(i => i!["nodeId"]!.GetValue<string>())];

    private static async Task<JsonNode> FunctionStatusAsync(StokeProcess node)
    {
        using var client = new StokeClient(node.Url);
        return (await client.DescribeAsync(Function))["status"]![0]!;
    }

    private static async Task<string> NodeIdAsync(StokeProcess node)
    {
        using var client = new StokeClient(node.Url);
        return (await client.StatusAsync())["servedBy"]!.GetValue<string>();
    }

    private sealed record Result(int Gateway, TimeSpan Sent, TimeSpan Answered, HttpStatusCode? Status, int Attempts, string? Error);

    /// <summary>Bounded closed-loop load: two clients per gateway, each one request at a time; and a status poller.</summary>
    private sealed class Load : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly List<Task<List<Result>>> _clients;
        private readonly Task _status;
        private readonly List<(int Node, string Error)> _statusFailures = [];

        public Load(StokeProcess[] nodes)
        {
            _clients = [.. nodes.SelectMany((n, i) => Enumerable.Range(0, 2).Select(_ => Task.Run(() => ClientAsync(n.Url, i))))];
            _status = Task.Run(() => StatusAsync(nodes));
        }

        public IReadOnlyList<(int Node, string Error)> StatusFailures => _statusFailures;

        public async Task<List<Result>> StopAsync()
        {
            await _stop.CancelAsync();
            await _status;
            return [.. (await Task.WhenAll(_clients)).SelectMany(r => r)];
        }

        private async Task<List<Result>> ClientAsync(Uri url, int gateway)
        {
            var results = new List<Result>();
            using var client = new StokeClient(url);
            while (!_stop.IsCancellationRequested)
            {
                var sent = _watch.Elapsed;
                try
                {
                    var r = await client.InferAsync(Function, TestModels.ClassifierJson(), timeout: TimeSpan.FromSeconds(25));
                    var attempts = int.TryParse(r.Header("Stoke-Attempts"), out var a) ? a : 0;
                    results.Add(new Result(gateway, sent, _watch.Elapsed, r.Status, attempts, r.Status == HttpStatusCode.OK ? null : $"{(int)r.Status} {r.Text}"));
                    if (r.Status != HttpStatusCode.OK)
                    {
                        await Task.Delay(100);
                    }
                }
                catch (HttpRequestException e)
                {
                    // The gateway itself is gone (its process was killed): not a request it accepted.
                    results.Add(new Result(gateway, sent, _watch.Elapsed, null, 0, e.Message));
                    await Task.Delay(200);
                }
            }

            return results;
        }

        // The survivors' status must keep answering while nodes die.
        private async Task StatusAsync(StokeProcess[] nodes)
        {
            while (!_stop.IsCancellationRequested)
            {
                for (var i = 0; i < nodes.Length; i++)
                {
                    if (nodes[i].HasExited)
                    {
                        continue;
                    }

                    try
                    {
                        using var client = new StokeClient(nodes[i].Url);
                        await client.StatusAsync();
                    }
                    catch (Exception e)
                    {
                        _statusFailures.Add((i, e.Message));
                    }
                }

                await Task.Delay(250);
            }
        }

        public void Dispose() => _stop.Dispose();
    }
}
