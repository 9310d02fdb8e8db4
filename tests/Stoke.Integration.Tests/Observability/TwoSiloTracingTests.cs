using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Tracing;

namespace Stoke.Integration.Tests.Observability;

/// <summary>
/// A request that enters silo 0 and runs on silo 1 (a 2-silo Orleans test cluster) stays one trace: Orleans carries
/// the context through the grain calls to the controller and to the other node.
/// </summary>
public sealed class TwoSiloTracingTests : IAsyncLifetime
{
    private readonly SpanCollector _spans = new();
    private PeerCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await PeerCluster.StartAsync();
        using var client = _cluster.Client(0);
        var settings = PeerCluster.On(1);
        settings["keepAliveSeconds"] = "600";
        await client.DeployAsync("cls-far", TestModels.Classifier, settings);
    }

    public async Task DisposeAsync()
    {
        _spans.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task SpansOnTheOtherSiloJoinTheClientsTrace()
    {
        var cold = await InferTracedAsync();
        var warm = await InferTracedAsync();

        foreach (var (trace, coldStart) in new[] { (cold, true), (warm, false) })
        {
            var view = new TraceView(await _spans.WaitForAsync(trace.TraceId, "POST /v2/models/{name}/infer"));
            var invoke = view.One(RuntimeTracing.Invoke);
            view.AssertChild(invoke, view.Gateway(trace.ParentId));
            Assert.Equal(_cluster.Node(1).NodeId, invoke.GetTagItem(RuntimeTracing.NodeId));
            var node = view.One(RuntimeTracing.NodeInvoke);
            Assert.Equal(_cluster.Node(1).NodeId, node.GetTagItem(RuntimeTracing.NodeId));
            view.AssertDescends(node, invoke);
            // It got there through a grain call (INodeGrain/Invoke), not in process.
            Assert.StartsWith("Microsoft.Orleans", view.Parent(node)?.Source.Name, StringComparison.Ordinal);
            view.AssertChild(view.One(RuntimeTracing.Batch), node);
            Assert.Equal(coldStart, view.Has(RuntimeTracing.InstanceStart));
            if (coldStart)
            {
                var start = view.One(RuntimeTracing.InstanceStart);
                Assert.Equal(_cluster.Node(1).NodeId, start.GetTagItem(RuntimeTracing.NodeId));
                view.AssertDescends(start, invoke);
            }
        }
    }

    private async Task<ClientTrace> InferTracedAsync()
    {
        using var client = _cluster.Client(0);
        return await SpanCollector.InferTracedAsync(client.Server, "cls-far");
    }
}
