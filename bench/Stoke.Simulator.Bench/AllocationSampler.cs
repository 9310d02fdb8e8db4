using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

/// <summary>
/// What the replay allocates, by type: the runtime's allocation-tick events (one per ~100 KB allocated, naming the
/// type of the object that crossed it), counted while the sampler lives. For <c>speed-synthetic</c> with
/// <c>STOKE_ALLOCATION_TYPES=1</c>: the GC's share of a large replay follows from what it allocates per request.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, int> _ticks = new(StringComparer.Ordinal);

    public IEnumerable<(string Type, int Ticks)> Top(int count) =>
        _ticks.OrderByDescending(t => t.Value).Take(count).Select(t => (t.Key, t.Value));

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.PayloadNames is { } names)
        {
            var type = e.Payload![names.IndexOf("TypeName")] as string ?? "?";
            _ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
        }
    }
}
