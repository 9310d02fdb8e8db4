using Stoke.Abstractions.Routing;

namespace Stoke.Control.Controller;

/// <summary>
/// What the controller learns of its function's load at a tick: from the nodes' reports in the server, from the
/// simulator's own meter in a replay.
/// </summary>
/// <param name="Concurrency">Average requests in flight (held, queued or running) since the last tick, over all gateways.</param>
/// <param name="InFlight">Requests in flight now.</param>
/// <param name="Arrivals">Requests that arrived since the last tick.</param>
/// <param name="FirstArrival">The first of them.</param>
/// <param name="LastArrival">The last of them.</param>
/// <param name="Instances">Exact load of instances, from the nodes that run them.</param>
/// <param name="ReportingNodes">The nodes whose reports these are: a ready instance the controller places on one of them
/// that its report does not list is gone. Null when the host knows its instances exactly (the simulator).</param>
public readonly record struct LoadSample(
    double Concurrency,
    int InFlight,
    long Arrivals,
    DateTimeOffset? FirstArrival,
    DateTimeOffset? LastArrival,
    IReadOnlyList<InstanceLoad> Instances,
    IReadOnlyCollection<string>? ReportingNodes = null)
{
    /// <summary>No load at all.</summary>
    public static LoadSample Idle { get; } = new(0, 0, 0, null, null, []);

    /// <summary>The function's load over all nodes: concurrency, arrivals and in-flight add up.</summary>
    /// <remarks>Each report's concurrency is its own area over its own interval (a node that missed a tick reports two).</remarks>
    public static LoadSample Sum(IReadOnlyCollection<NodeLoadReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        double concurrency = 0;
        var inFlight = 0;
        long arrivals = 0;
        DateTimeOffset? first = null;
        DateTimeOffset? last = null;
        List<InstanceLoad> instances = [];
        foreach (var r in reports)
        {
            concurrency += r.Interval > TimeSpan.Zero ? r.ConcurrencySeconds / r.Interval.TotalSeconds : r.InFlight;
            inFlight += r.InFlight;
            arrivals += r.Arrivals;
            first = r.FirstArrival is { } f && (first is null || f < first) ? f : first;
            last = r.LastArrival is { } l && (last is null || l > last) ? l : last;
            instances.AddRange(r.Instances);
        }

        return new LoadSample(concurrency, inFlight, arrivals, first, last, instances, reports.Select(r => r.NodeId).ToHashSet(StringComparer.Ordinal));
    }
}
