using Orleans.Concurrency;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;
using Stoke.Abstractions.Usage;

namespace Stoke.Runtime.Grains;

/// <summary>
/// The controller of one function version, keyed <c>tenant/name/version</c>: an Orleans adapter of the host-agnostic
/// <see cref="Control.Controller.FunctionController{THeld}"/>. It is in a request's path only when the warm path
/// found no ready instance with a free slot; every tick it pulls the nodes' load reports and scales.
/// </summary>
public interface IFunctionGrain : IGrainWithStringKey
{
    /// <summary>
    /// A request the warm path could not place: answers with the instance to run it on, now or once one is free
    /// (held within the request's deadline), or refuses it (<see cref="Abstractions.Errors.StokeException"/>).
    /// Cancelling withdraws a held request.
    /// </summary>
    Task<AdmitReply> Admit(AdmitRequest request, CancellationToken cancellationToken);

    /// <summary>An instance's node: a slot freed while this controller holds requests.</summary>
    [OneWay]
    Task SlotFreed(string instanceId, int inFlight);

    /// <summary>A gateway found the instance gone (or its node did): stop routing to it.</summary>
    [OneWay]
    Task InstanceLost(string instanceId, string reason);

    /// <summary>Its node evicted the instance for another function: stop routing to it, restart it only on demand.</summary>
    [OneWay]
    Task InstanceEvicted(string instanceId, string reason);

    Task<FunctionStatus> Status();

    /// <summary>Starts an instance now if none is ready or loading (a pipeline pre-warms its later steps); true when one started.</summary>
    Task<bool> Prewarm(string reason);

    Task<UsageSummary> Usage();

    /// <summary>The usage as of its last append to the tenant's ledger, and the node batches that includes.</summary>
    Task<LedgeredUsage> Ledgered();

    /// <summary>The function was deleted: stop its instances and refuse further requests.</summary>
    Task Retire();

    /// <summary>One control-loop tick; called by the grain's own timer.</summary>
    Task Tick();
}

/// <summary>Builds the key of a function-version grain.</summary>
public static class FunctionVersionKey
{
    public static string Of(string tenant, string name, int version) => $"{tenant}/{name}/{version}";

    public static string Of(FunctionSpec spec) => Of(spec.Tenant, spec.Name, spec.Version);

    /// <summary>Splits a key; tenant names may not contain '/', function names never do.</summary>
    public static (string Tenant, string Name, int Version) Parse(string key)
    {
        var last = key.LastIndexOf('/');
        var middle = key.LastIndexOf('/', last - 1);
        return (key[..middle], key[(middle + 1)..last], int.Parse(key[(last + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>What a gateway tells the controller about a request it could not route.</summary>
/// <param name="Deadline">When the request must be answered by.</param>
/// <param name="NodeId">The gateway's node (for locality routing).</param>
/// <param name="AffinityKey">The client's sticky key, if any.</param>
/// <param name="Observed">The gateway's view of the ready instances' load.</param>
[GenerateSerializer, Immutable]
public sealed record AdmitRequest(
    [property: Id(0)] DateTimeOffset Deadline,
    [property: Id(1)] string NodeId,
    [property: Id(2)] string? AffinityKey,
    [property: Id(3)] RouteCandidate[] Observed);

/// <summary>Where the request runs, what it waited for, and the function's current routing table.</summary>
[GenerateSerializer, Immutable]
public sealed record AdmitReply(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string NodeId,
    [property: Id(2)] double HeldMs,
    [property: Id(3)] string? ColdStartTier,
    [property: Id(4)] RouteTable Routes);
