using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Control.Controller;

/// <summary>The policy objects one controller uses, created for its function.</summary>
public sealed record ControllerPolicies(IAutoscaler Autoscaler, IKeepAlivePolicy KeepAlive, IPlacementPolicy Placement, IRoutingPolicy Routing)
{
    /// <summary>The function's policies by the names in its spec, and the node's placement policy.</summary>
    public static ControllerPolicies Create(IPolicyCatalog catalog, FunctionSpec spec, string placement)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(spec);
        return new(catalog.CreateAutoscaler(spec), catalog.CreateKeepAlive(spec), catalog.CreatePlacement(placement), catalog.GetRouting(spec.Routing));
    }
}

/// <summary>Host settings of a controller.</summary>
public sealed record ControllerOptions
{
    /// <summary>Where decisions go; null keeps none (the simulator's default, for speed).</summary>
    public IDecisionSink? Decisions { get; init; }

    /// <summary>Identifies this controller's activation in the routing tables it writes.</summary>
    public long Epoch { get; init; }

    /// <summary>Ticks with nothing running, held or in flight after which the control loop may stop.</summary>
    public int IdleTicksBeforeStop { get; init; } = 3;
}

/// <summary>What <see cref="FunctionController{THeld}.Admit"/> did with a request.</summary>
public readonly record struct Admission<THeld>(AdmissionKind Kind, Assignment Assignment, Held<THeld>? Held, StokeException? Error)
{
    internal static Admission<THeld> Routed(Assignment assignment) => new(AdmissionKind.Routed, assignment, null, null);

    internal static Admission<THeld> Waiting(Held<THeld> held) => new(AdmissionKind.Held, default, held, null);

    internal static Admission<THeld> Refused(StokeException error) => new(AdmissionKind.Refused, default, null, error);
}

/// <summary>Routed: run it on <see cref="Admission{THeld}.Assignment"/> now. Held: the port's Dispatch or Refuse will say. Refused: answer the error.</summary>
public enum AdmissionKind
{
    Routed,
    Held,
    Refused,
}
