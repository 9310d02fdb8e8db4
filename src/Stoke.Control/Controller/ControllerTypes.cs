using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Control.Controller;

/// <summary>The policy objects one controller uses, created for its function.</summary>
public sealed record ControllerPolicies(IAutoscaler Autoscaler, IKeepAlivePolicy KeepAlive, IPlacementPolicy Placement, IRoutingPolicy Routing)
{
    /// <summary>The shadow pair (the spec's shadow autoscaler and keep-alive, each defaulting to the live one's name), or null.</summary>
    public (IAutoscaler Autoscaler, IKeepAlivePolicy KeepAlive)? Shadow { get; init; }

    /// <summary>The function's policies by the names in its spec, and the node's placement policy.</summary>
    public static ControllerPolicies Create(IPolicyCatalog catalog, FunctionSpec spec, string placement)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(spec);
        var policies = new ControllerPolicies(catalog.CreateAutoscaler(spec), catalog.CreateKeepAlive(spec), catalog.CreatePlacement(placement), catalog.GetRouting(spec.Routing));
        if (spec.Scaling.ShadowAutoscaler is null && spec.Scaling.ShadowKeepAlive is null)
        {
            return policies;
        }

        var shadow = spec with
        {
            Scaling = spec.Scaling with
            {
                Autoscaler = spec.Scaling.ShadowAutoscaler ?? spec.Scaling.Autoscaler,
                KeepAlive = spec.Scaling.ShadowKeepAlive ?? spec.Scaling.KeepAlive,
            },
        };
        return policies with { Shadow = (catalog.CreateAutoscaler(shadow), catalog.CreateKeepAlive(shadow)) };
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

    /// <summary>
    /// The operator's cap on the function's tenant: most loading and ready instances of all its functions in the
    /// cluster (from the nodes' reports); a start past it is refused, and a cold request with nothing loading gets
    /// 503 with a retry hint. 0: no cap.
    /// </summary>
    public int TenantMaxInstances { get; init; }
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
