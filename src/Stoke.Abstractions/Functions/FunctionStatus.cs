using Stoke.Abstractions.Instances;

namespace Stoke.Abstractions.Functions;

/// <summary>One logged control decision, so an operator can ask why the function scaled.</summary>
[GenerateSerializer, Immutable]
public sealed record ScalingEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Detail);

/// <summary>Live state of a function version for <c>stoke status</c> and <c>stoke describe</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record FunctionStatus
{
    [Id(0)] public required string Function { get; init; }
    [Id(1)] public required int Version { get; init; }
    [Id(2)] public required InstanceSnapshot[] Instances { get; init; }
    [Id(3)] public int Held { get; init; }
    [Id(4)] public int InFlight { get; init; }
    [Id(5)] public double RequestsPerSecond { get; init; }
    [Id(6)] public double P50Ms { get; init; }
    [Id(7)] public double P99Ms { get; init; }
    [Id(8)] public double MeanBatchSize { get; init; }
    [Id(9)] public Dictionary<string, long> ColdStartsByTier { get; init; } = [];
    [Id(10)] public ScalingEvent[] RecentDecisions { get; init; } = [];
    [Id(11)] public int DesiredInstances { get; init; }
    [Id(12)] public bool Panicking { get; init; }
    [Id(13)] public long Requests { get; init; }
    /// <summary>Why the live status could not be read (its controller's node did not answer); null when it could.</summary>
    [Id(14)] public string? Unavailable { get; init; }
    /// <summary>The node whose controller answered (where the function's control loop runs).</summary>
    [Id(15)] public string? ControllerNode { get; init; }
    /// <summary>What the function's shadow policies would have done, beside what the live ones did; null without shadows.</summary>
    [Id(16)] public ShadowStatus? Shadow { get; init; }
}

/// <summary>
/// A shadow autoscaler or keep-alive beside the live one, since the controller started: instances each would run,
/// instance-hours, and requests that arrived while each had no ready instance (counted per control tick).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShadowStatus
{
    [Id(0)] public required string Autoscaler { get; init; }
    [Id(1)] public required string KeepAlive { get; init; }
    /// <summary>Instances the shadow would run now (its last target).</summary>
    [Id(2)] public int Instances { get; init; }
    [Id(3)] public int LiveInstances { get; init; }
    [Id(4)] public double InstanceHours { get; init; }
    [Id(5)] public double LiveInstanceHours { get; init; }
    /// <summary>Requests that arrived in a tick when the shadow would have had no ready instance.</summary>
    [Id(6)] public long ColdArrivals { get; init; }
    [Id(7)] public long LiveColdArrivals { get; init; }
    [Id(8)] public long InstanceStarts { get; init; }
    [Id(9)] public long LiveInstanceStarts { get; init; }
    [Id(10)] public string Reason { get; init; } = "";
}
