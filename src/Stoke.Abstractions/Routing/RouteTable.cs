namespace Stoke.Abstractions.Routing;

/// <summary>
/// A function version's ready instances, as its controller publishes them to every node so that a gateway can
/// send a request straight to an instance's node (the warm path) without asking the controller. Immutable; a
/// newer <see cref="Revision"/> replaces an older one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RouteTable
{
    /// <summary>Tenant and name of the function (<c>tenant/name</c>).</summary>
    [Id(0)] public required string FunctionKey { get; init; }

    [Id(1)] public required int Version { get; init; }

    /// <summary>Grows with every change; nodes keep the table with the highest revision they saw.</summary>
    [Id(2)] public required long Revision { get; init; }

    /// <summary>Ready instances, in the order they became ready.</summary>
    [Id(3)] public RouteEntry[] Instances { get; init; } = [];

    /// <summary>Requests one instance takes at once before it counts as saturated; 0 for no limit.</summary>
    [Id(4)] public int Capacity { get; init; }

    /// <summary>The controller holds requests: nodes tell it when a slot of an instance frees.</summary>
    [Id(5)] public bool Holding { get; init; }

    /// <summary>The function's routing policy.</summary>
    [Id(6)] public required string Routing { get; init; }

    /// <summary>Identifies the controller activation that wrote the table, so a restarted controller's revisions win.</summary>
    [Id(7)] public long Epoch { get; init; }
}

/// <summary>One routable instance: where it runs and how busy its node last said it was.</summary>
[GenerateSerializer, Immutable]
public readonly record struct RouteEntry(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string NodeId,
    [property: Id(2)] int InFlight);
