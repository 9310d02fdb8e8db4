using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Routing;

namespace Stoke.Control.Controller;

/// <summary>
/// How a <see cref="FunctionController{THeld}"/> acts on the world. The server's Orleans grain and the simulator's
/// event loop each implement it; the controller holds all the logic and none of the I/O. Calls are made from the
/// controller's own thread of control (the grain's turn, the simulator's loop) and must not call back into it:
/// outcomes come back later through <see cref="FunctionController{THeld}.InstanceReady"/> and its siblings.
/// </summary>
/// <typeparam name="THeld">What the host keeps for a held request (the server: a completion source; the simulator: the request).</typeparam>
public interface IControllerPort<in THeld>
{
    /// <summary>The nodes placement may choose from; unreachable nodes are left out.</summary>
    IReadOnlyList<NodeView> Nodes();

    /// <summary>Whether calls to the node currently get through (the controller routes nothing to one that does not).</summary>
    bool IsReachable(string nodeId);

    /// <summary>A new instance id, unique in the cluster.</summary>
    string NewInstanceId();

    /// <summary>Starts loading the instance on the node; the host reports the outcome.</summary>
    void StartInstance(string instanceId, string nodeId);

    /// <summary>Stops an instance that is no longer routed to.</summary>
    void StopInstance(string instanceId, string nodeId, string reason);

    /// <summary>A held request may run now, on the assigned instance.</summary>
    void Dispatch(THeld request, in Assignment assignment);

    /// <summary>A held request is refused: its deadline passed, the function was deleted, or it cannot start.</summary>
    void Refuse(THeld request, StokeException error);

    /// <summary>The ready set changed: the host publishes the table to every node's router.</summary>
    void PublishRoutes(RouteTable routes);
}

/// <summary>
/// A port in the controller's own process that reads the ready set from <see cref="FunctionController{THeld}.Instances"/>
/// itself (the simulator): the controller tells it that the routes changed instead of building a
/// <see cref="RouteTable"/> for <see cref="IControllerPort{THeld}.PublishRoutes"/> at every change.
/// </summary>
public interface IInProcessRoutes
{
    /// <summary>The ready set or the holding flag changed; <paramref name="holding"/> is the new flag.</summary>
    void RoutesChanged(bool holding);
}

/// <summary>Where a request runs, and what it waited for before it could.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="NodeId">Its node.</param>
/// <param name="Held">Time the request waited in the controller (zero when routed at once).</param>
/// <param name="ColdStartTier">The artifact tier of the cold start it waited for, or null when it waited for none.</param>
public readonly record struct Assignment(string InstanceId, string NodeId, TimeSpan Held, string? ColdStartTier);
