using Stoke.Abstractions.Usage;

namespace Stoke.Abstractions.Routing;

/// <summary>
/// What one node saw of one function version since its previous report: the requests that entered its gateway
/// (arrivals, time-averaged concurrency from arrival to answer), its own instances' load, and the usage of the
/// requests it answered. The controller sums the reports of all nodes into the autoscaler's signal, so it sees the
/// function's true load although warm requests never pass through it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NodeLoadReport
{
    [Id(0)] public required string NodeId { get; init; }

    /// <summary>The time this report covers (since the node's previous report).</summary>
    [Id(10)] public TimeSpan Interval { get; init; }

    [Id(2)] public long Arrivals { get; init; }

    [Id(3)] public DateTimeOffset? FirstArrival { get; init; }

    [Id(4)] public DateTimeOffset? LastArrival { get; init; }

    /// <summary>Requests in flight (held, queued or running) integrated over time, in request-seconds.</summary>
    [Id(5)] public double ConcurrencySeconds { get; init; }

    /// <summary>Requests in flight at the moment of the report.</summary>
    [Id(6)] public int InFlight { get; init; }

    /// <summary>The node's own instances of this function.</summary>
    [Id(7)] public InstanceLoad[] Instances { get; init; } = [];

    /// <summary>Usage of the requests the node answered, in batches the controller has not acknowledged yet.</summary>
    [Id(8)] public UsageBatch[] Usage { get; init; } = [];

    /// <summary>A sample of the answered requests' latencies (ms) and batch sizes, for live percentiles.</summary>
    [Id(9)] public LatencySample[] Latencies { get; init; } = [];
}

/// <summary>The load of one instance on the node that runs it (exact there).</summary>
[GenerateSerializer, Immutable]
public readonly record struct InstanceLoad(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] bool Ready,
    [property: Id(2)] int InFlight,
    [property: Id(3)] int QueueDepth,
    [property: Id(4)] long Uses,
    [property: Id(5)] DateTimeOffset LastUsed);

/// <summary>One answered request's latency and the size of the batch it ran in.</summary>
[GenerateSerializer, Immutable]
public readonly record struct LatencySample([property: Id(0)] double Ms, [property: Id(1)] int BatchSize);

/// <summary>
/// Usage a node metered, numbered per node: the controller applies each batch once (it remembers the highest number
/// applied per node, persisted with the usage) and acknowledges it in its next pull, after which the node drops it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UsageBatch([property: Id(0)] long Sequence, [property: Id(1)] UsageSummary Usage);
