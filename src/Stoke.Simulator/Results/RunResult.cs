namespace Stoke.Simulator.Results;

/// <summary>What one function (or, with <see cref="Function"/> "*", the whole run) saw during a replay.</summary>
/// <param name="ColdStarts">Requests that arrived while the function had no ready instance.</param>
/// <param name="Failed">Requests refused (queue full, no capacity) or dropped at their deadline.</param>
/// <param name="P50Ms">Median latency of completed requests, cold-start wait included.</param>
/// <param name="SloAttainment">Share of all requests answered within the SLO; null without an SLO.</param>
/// <param name="WastedGbSeconds">Memory held by ready instances with nothing to do, times that idle time.</param>
/// <param name="InstanceSeconds">Lifetime of all instances, loading included.</param>
/// <param name="Cost">GB-seconds held by instances times the price per GB-second.</param>
public sealed record RunResult(
    string Function,
    long Requests,
    long Completed,
    long Failed,
    long ColdStarts,
    double P50Ms,
    double P99Ms,
    double? SloAttainment,
    double WastedGbSeconds,
    double InstanceSeconds,
    double GbSeconds,
    decimal Cost,
    long InstanceStarts,
    long Evictions)
{
    public double ColdStartRate => Requests == 0 ? 0 : (double)ColdStarts / Requests;

    /// <summary>
    /// Estimated energy: the instances' busy cores and held memory (<see cref="Abstractions.Usage.EnergyModel"/>); the
    /// run's total ("*") adds the nodes' static power, awake while they hold an instance and asleep otherwise.
    /// </summary>
    public double EnergyJoules { get; init; }

    /// <summary>Node-seconds awake (holding at least one instance); the run's total only.</summary>
    public double NodeAwakeSeconds { get; init; }
}
