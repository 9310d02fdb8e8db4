using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;
using Stoke.Abstractions.Usage;
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

    /// <summary>Routing policy of every function (the server's default unless set).</summary>
    public string Routing { get; init; } = PolicyNames.LeastRequests;

    /// <summary>
    /// Nodes placement looks at for one start: all of them up to this many; beyond, the nodes already running the
    /// function plus a random sample, so a 1,000-node replay does not scan every node per start.
    /// </summary>
    public int PlacementCandidates { get; init; } = 32;

    public string Eviction { get; init; } = PolicyNames.LruEviction;

    /// <summary>Latency objective per request, including cold-start wait; null reports no attainment.</summary>
    public TimeSpan? Slo { get; init; }

    /// <summary>Model-load time of a cold start, sampled per load.</summary>
    public EmpiricalDistribution LoadTime { get; init; } = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(10));

    /// <summary>Period of each active function's control loop (Knative ticks every 2 s).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(2);

    public Pricing Pricing { get; init; } = new();

    /// <summary>The power model of the nodes (the server's: <see cref="EnergyModel"/>).</summary>
    public EnergyModel Energy { get; init; } = new();

    /// <summary>Cores a busy or loading instance keeps busy, for its energy.</summary>
    public int CoresPerInstance { get; init; } = 1;

    public int Seed { get; init; } = 1;

    /// <summary>Requests the workload is expected to hold, for progress (0: unknown, progress only at the end).</summary>
    public long ExpectedRequests { get; init; }

    /// <summary>
    /// Ticks each function's controller exactly as the live server's controller grain does: every
    /// <see cref="TickInterval"/> from the arrival that started the loop, until the controller says it may stop (three
    /// ticks with nothing running). Off (the default), an idle function sleeps until its next keep-alive boundary
    /// instead of ticking, which makes a 13-day trace cheap but releases up to one tick earlier than the server. Either
    /// way the decisions are the server's controller's.
    /// </summary>
    public bool ServerControlLoop { get; init; }

    /// <summary>
    /// Skips the control ticks of a function with nothing in flight that its controller says would decide what its last
    /// tick did, and hands them in before anything else reaches it: the same decisions and results as ticking them
    /// (a test replays with and without), at a fraction of the cost for a replay of many mostly idle functions. On
    /// by default; off only to check that claim.
    /// </summary>
    public bool SkipQuietTicks { get; init; } = true;

    /// <summary>Keeps where and when every request ran in <see cref="Results.SimulationReport.Requests"/> (short traces only).</summary>
    public bool RecordRequests { get; init; }

    /// <summary>Keeps every start, ready, stop, evict and scale decision in <see cref="Results.SimulationReport.Decisions"/>.</summary>
    public bool RecordDecisions { get; init; }

    /// <summary>Lines the trace reader skipped (lenient mode), copied into the report.</summary>
    public TraceDiagnostics? Diagnostics { get; init; }
}
