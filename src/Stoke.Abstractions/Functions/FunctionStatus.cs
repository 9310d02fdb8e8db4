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
}
