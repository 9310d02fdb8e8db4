using System.Diagnostics;
using Stoke.Integration.Tests.Support;
using Stoke.Runtime.Tracing;

namespace Stoke.Integration.Tests.Observability;

/// <summary>
/// A request's spans on a real node (Kestrel on loopback, a real ONNX session): one trace under the client's
/// traceparent, gateway -> invoker -> node -> batch -> engine, with the cold start's phases on the first request only.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private readonly SpanCollector _spans = new();
    private EmbeddedStoke _node = null!;

    public async Task InitializeAsync()
    {
        _node = await EmbeddedStoke.StartAsync();
        using var client = _node.Client();
        await client.DeployAsync("cls-traced", TestModels.Classifier, new Dictionary<string, string> { ["keepAliveSeconds"] = "600" });
    }

    public async Task DisposeAsync()
    {
        _spans.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task FirstRequestTraceHasTheColdStartUnderTheClientsParent()
    {
        var trace = await InferTracedAsync();
        var view = new TraceView(await _spans.WaitForAsync(trace.TraceId, "POST /v2/models/{name}/infer"));

        var gateway = view.Gateway(trace.ParentId);
        Assert.Equal(ActivityKind.Server, gateway.Kind);
        Assert.Equal("cls-traced", gateway.GetTagItem("stoke.function"));
        var invoke = view.One(RuntimeTracing.Invoke);
        view.AssertChild(invoke, gateway);
        Assert.Equal("controller", invoke.GetTagItem(RuntimeTracing.Route));
        var start = view.One(RuntimeTracing.InstanceStart);
        view.AssertDescends(start, view.One(RuntimeTracing.Admit));
        view.AssertDescends(start, invoke);
        var fetch = view.One(RuntimeTracing.ArtifactFetch);
        view.AssertChild(fetch, start);
        Assert.NotNull(trace.ColdStartTier);
        Assert.Equal(trace.ColdStartTier, fetch.GetTagItem(RuntimeTracing.Tier));
        view.AssertChild(view.One(RuntimeTracing.SessionCreate), start);
        view.AssertChild(view.One(RuntimeTracing.FirstRun), start);
        AssertServedThroughBatch(view, invoke);
    }

    [Fact]
    public async Task WarmRequestTraceHasNoColdStartAndNamesItsBatch()
    {
        await InferTracedAsync();
        var trace = await InferTracedAsync();
        var view = new TraceView(await _spans.WaitForAsync(trace.TraceId, "POST /v2/models/{name}/infer"));

        Assert.False(view.Has(RuntimeTracing.InstanceStart), "a warm request has no cold start:" + SpanCollector.Describe(view.Spans));
        Assert.False(view.Has(RuntimeTracing.ArtifactFetch));
        var gateway = view.Gateway(trace.ParentId);
        var invoke = view.One(RuntimeTracing.Invoke);
        view.AssertChild(invoke, gateway);
        Assert.Equal("direct", invoke.GetTagItem(RuntimeTracing.Route));
        AssertServedThroughBatch(view, invoke);
    }

    // invoke -> node -> batch -> engine; the node's span names the batch (id, size) and the batch links back to it.
    private static void AssertServedThroughBatch(TraceView view, Activity invoke)
    {
        var node = view.One(RuntimeTracing.NodeInvoke);
        view.AssertDescends(node, invoke);
        var batch = view.One(RuntimeTracing.Batch);
        view.AssertChild(batch, node);
        Assert.Equal(batch.SpanId.ToHexString(), node.GetTagItem(RuntimeTracing.BatchId));
        Assert.Equal(1, node.GetTagItem(RuntimeTracing.BatchSize));
        Assert.Contains(batch.Links, l => l.Context.SpanId == node.SpanId);
        var engine = view.Spans.Single(s => s.OperationName == Stoke.Engines.Onnx.OnnxTracing.Run && s.ParentSpanId == batch.SpanId);
        Assert.Equal("onnx", engine.GetTagItem("stoke.engine"));
    }

    private Task<ClientTrace> InferTracedAsync() => SpanCollector.InferTracedAsync(_node.Address, "cls-traced");
}
