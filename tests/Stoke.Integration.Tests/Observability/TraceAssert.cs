using System.Diagnostics;
using Stoke.Integration.Tests.Support;

namespace Stoke.Integration.Tests.Observability;

/// <summary>Reads a collected trace: spans by name, parents and ancestors.</summary>
internal sealed class TraceView(List<Activity> spans)
{
    public List<Activity> Spans { get; } = spans;

    public Activity One(string operation)
    {
        var found = Spans.Where(s => s.OperationName == operation).ToList();
        return found.Count == 1 ? found[0] : throw new Xunit.Sdk.XunitException($"{found.Count} spans {operation} in:{SpanCollector.Describe(Spans)}");
    }

    public bool Has(string operation) => Spans.Exists(s => s.OperationName == operation);

    /// <summary>
    /// The gateway's span, asserted to be under the client's span: its child, or the child of ASP.NET Core's request
    /// activity that read the client's traceparent.
    /// </summary>
    public Activity Gateway(ActivitySpanId clientSpan)
    {
        var gateway = Spans.Single(s => s.Source.Name == Stoke.Gateway.Tracing.GatewayTracing.SourceName);
        var parent = Parent(gateway);
        var under = gateway.ParentSpanId == clientSpan || (parent is { Source.Name: "Microsoft.AspNetCore" } && parent.ParentSpanId == clientSpan);
        Assert.True(under, $"the gateway span is not under the client's span {clientSpan}:{SpanCollector.Describe(Spans)}");
        return gateway;
    }

    public Activity? Parent(Activity span) => Spans.Find(s => s.SpanId == span.ParentSpanId);

    /// <summary>True when <paramref name="ancestor"/> is on the way from <paramref name="span"/> to the root.</summary>
    public bool Descends(Activity span, Activity ancestor)
    {
        for (var s = Parent(span); s is not null; s = Parent(s))
        {
            if (s.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    public void AssertChild(Activity child, Activity parent) =>
        Assert.True(child.ParentSpanId == parent.SpanId, $"{child.OperationName} is not a child of {parent.OperationName} in:{SpanCollector.Describe(Spans)}");

    public void AssertDescends(Activity span, Activity ancestor) =>
        Assert.True(Descends(span, ancestor), $"{span.OperationName} does not descend from {ancestor.OperationName} in:{SpanCollector.Describe(Spans)}");
}
