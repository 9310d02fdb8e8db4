using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator;

/// <summary>One simulated configuration: the workload, the cluster, and the policies every function uses.</summary>
public sealed record SimulationOptions
{
    /// <summary>Name of this run in tables, CSV and plots.</summary>
    public string Label { get; init; } = "run";

    /// <summary>Opens the workload afresh for each run (traces are streamed, never held in memory).</summary>
    public required Func<IEnumerable<TraceRequest>> Workload { get; init; }

    /// <summary>Creates the policy catalog; it is handed the run's virtual clock for policies that read time.</summary>
    public required Func<TimeProvider, IPolicyCatalog> Catalog { get; init; }

    /// <summary>Autoscaler, keep-alive and their settings, applied to every function of the trace.</summary>
    public ScalingOptions Scaling { get; init; } = new();

    /// <summary>Requests one instance runs at once (0: TargetConcurrency rounded up).</summary>
    public int InstanceConcurrency { get; init; }

    public int Nodes { get; init; } = 1;

    public double NodeMemoryGb { get; init; } = 1024;

    public double InstanceMemoryGb { get; init; } = 8;

    public string Placement { get; init; } = PolicyNames.BestFit;

    public string Eviction { get; init; } = PolicyNames.LruEviction;

    /// <summary>Latency objective per request, including cold-start wait; null reports no attainment.</summary>
    public TimeSpan? Slo { get; init; }

    /// <summary>Model-load time of a cold start, sampled per load.</summary>
    public EmpiricalDistribution LoadTime { get; init; } = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(10));

    /// <summary>Period of each active function's control loop (Knative ticks every 2 s).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(2);

    public Pricing Pricing { get; init; } = new();

    public int Seed { get; init; } = 1;

    /// <summary>Requests the workload is expected to hold, for progress (0: unknown, progress only at the end).</summary>
    public long ExpectedRequests { get; init; }

    /// <summary>
    /// Runs each function's control loop exactly as the live server's FunctionGrain does: a request that finds no
    /// ready or loading instance starts one at once (the activator, without asking the controller), the loop ticks
    /// every <see cref="TickInterval"/> from the arrival that started it for as long as the function has instances,
    /// and stops after three ticks with none. Off (the default), an idle function sleeps until its next keep-alive
    /// boundary instead of ticking, which makes a 13-day trace cheap but releases up to one tick earlier than the server.
    /// </summary>
    public bool ServerControlLoop { get; init; }

    /// <summary>Keeps every start, ready, stop, evict and scale decision in <see cref="Results.SimulationReport.Decisions"/>.</summary>
    public bool RecordDecisions { get; init; }

    /// <summary>Lines the trace reader skipped (lenient mode), copied into the report.</summary>
    public TraceDiagnostics? Diagnostics { get; init; }
}
