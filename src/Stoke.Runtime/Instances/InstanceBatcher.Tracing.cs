using System.Diagnostics;
using Stoke.Runtime.Tracing;

namespace Stoke.Runtime.Instances;

// The batch a request ran in, as a span: see docs/observability.md.
internal sealed partial class InstanceBatcher
{
    // One span per batch, the child of its first request's span and linked to every request's; each request's span
    // is tagged with the batch's id (the span id) and size. Nothing is allocated when no one listens.
    private static Activity? StartBatchSpan(List<PendingInference> batch)
    {
        if (!RuntimeTracing.Source.HasListeners())
        {
            return null;
        }

        var links = new List<ActivityLink>(batch.Count);
        foreach (var p in batch)
        {
            if (p.Span is { } s)
            {
                links.Add(new ActivityLink(s.Context));
            }
        }

        var span = RuntimeTracing.Source.StartActivity(RuntimeTracing.Batch, ActivityKind.Internal, batch[0].Span?.Context ?? default, links: links);
        if (span is null)
        {
            return null;
        }

        var id = span.SpanId.ToHexString();
        span.SetTag(RuntimeTracing.BatchId, id).SetTag(RuntimeTracing.BatchSize, batch.Count);
        foreach (var p in batch)
        {
            p.Span?.SetTag(RuntimeTracing.BatchId, id).SetTag(RuntimeTracing.BatchSize, batch.Count);
        }

        return span;
    }
}
