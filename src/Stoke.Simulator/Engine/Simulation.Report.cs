using System.Globalization;
using Stoke.Simulator.Results;

namespace Stoke.Simulator.Engine;

// The replay's outcome: totals and one row per function, from what the replay counted.
internal sealed partial class Simulation
{
    private SimulationReport BuildReport(DateTimeOffset start)
    {
        var end = _clock.NowTicks;
        var rows = new List<RunResult>(_functionOrder.Count);
        var total = new LatencyHistogram();
        foreach (var f in _functionOrder)
        {
            // Instances still alive at the end (min-instances) are charged up to the last event.
            foreach (var i in f.Instances.ToList())
            {
                Remove(i, evicted: false);
            }

            total.Add(f.Latency);
            rows.Add(Result(f.Name, f.Requests, f.Completed, f.Failed, f.ColdStarts, f.Latency, f.SloMet, f.IdleSeconds, f.InstanceSeconds, f.InstanceStarts, f.Evictions));
        }

        var sum = Result(
            "*",
            _functionOrder.Sum(f => f.Requests),
            _functionOrder.Sum(f => f.Completed),
            _functionOrder.Sum(f => f.Failed),
            _functionOrder.Sum(f => f.ColdStarts),
            total,
            _functionOrder.Sum(f => f.SloMet),
            _functionOrder.Sum(f => f.IdleSeconds),
            _functionOrder.Sum(f => f.InstanceSeconds),
            _functionOrder.Sum(f => f.InstanceStarts),
            _functionOrder.Sum(f => f.Evictions));
        // Every instance is gone now, so every node's awake time is complete; the rest of the run each node slept.
        var awake = _nodes.Sum(n => n.AwakeTicks) / TicksPerSecond;
        var asleep = (_nodes.Count * (double)(end - start.UtcTicks) / TicksPerSecond) - awake;
        sum = sum with { EnergyJoules = sum.EnergyJoules + _options.Energy.NodeJoules(awake, asleep), NodeAwakeSeconds = awake };
        var s = _options.Scaling;
        var policies = string.Create(
            CultureInfo.InvariantCulture,
            $"autoscaler={s.Autoscaler} keep-alive={s.KeepAlive} ttl={s.KeepAliveTtl.TotalMinutes:0.##}m routing={_options.Routing} placement={_options.Placement} eviction={_options.Eviction} nodes={_options.Nodes}x{_options.NodeMemoryGb:0.#}GB");
        return new SimulationReport(_options.Label, policies, sum, rows, TimeSpan.FromTicks(end - start.UtcTicks), _options.Diagnostics?.SkippedLines ?? 0)
        {
            Decisions = _decisions ?? [],
            Requests = _requests ?? [],
        };
    }

    private RunResult Result(string name, long requests, long completed, long failed, long cold, LatencyHistogram latency, long sloMet, double idleSeconds, double instanceSeconds, long starts, long evictions)
    {
        var gbSeconds = instanceSeconds * InstanceGb;
        return new RunResult(
            name,
            requests,
            completed,
            failed,
            cold,
            latency.Percentile(0.50),
            latency.Percentile(0.99),
            _options.Slo is null || requests == 0 ? null : (double)sloMet / requests,
            idleSeconds * InstanceGb,
            instanceSeconds,
            gbSeconds,
            (decimal)gbSeconds * _options.Pricing.PerGbSecond,
            starts,
            evictions)
        {
            // Loading and serving keep the instance's cores busy; its memory is held for its whole life.
            EnergyJoules = _options.Energy.RequestJoules((instanceSeconds - idleSeconds) * 1000, _options.CoresPerInstance, 1, gbSeconds * 1024),
        };
    }
}
