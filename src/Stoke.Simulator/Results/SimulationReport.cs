namespace Stoke.Simulator.Results;

/// <summary>The outcome of one replay: totals, one row per function, and what was replayed.</summary>
/// <param name="Policies">The policy names and settings the run used, for tables and plots.</param>
/// <param name="VirtualDuration">Virtual time from the first arrival to the last event.</param>
/// <param name="SkippedLines">Trace lines skipped by lenient parsing.</param>
public sealed record SimulationReport(
    string Label,
    string Policies,
    RunResult Total,
    IReadOnlyList<RunResult> Functions,
    TimeSpan VirtualDuration,
    long SkippedLines)
{
    /// <summary>Every decision in time order when <see cref="SimulationOptions.RecordDecisions"/> is set; empty otherwise.</summary>
    public IReadOnlyList<DecisionEvent> Decisions { get; init; } = [];

    /// <summary>Every completed request, in completion order, when <see cref="SimulationOptions.RecordRequests"/> is set.</summary>
    public IReadOnlyList<RequestRecord> Requests { get; init; } = [];
}

/// <summary>Where one request ran and when: the routing decisions of a replay.</summary>
public sealed record RequestRecord(string Function, DateTimeOffset ArrivedAt, string InstanceId, DateTimeOffset StartedAt, DateTimeOffset CompletedAt);
