using System.Globalization;
using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Policies.KeepAlive;
using Stoke.Simulator;
using Stoke.Simulator.Sweeps;
using Stoke.Simulator.Traces;

namespace Stoke.Cli.Sim;

/// <summary>What <c>stoke sim</c> was asked to compare; <see cref="Runs"/> turns it into simulator configurations.</summary>
public sealed record SimPlan
{
    public required WorkloadSource Workload { get; init; }

    public required SimulationOptions Baseline { get; init; }

    /// <summary>Autoscalers to compare; one run each (per keep-alive policy).</summary>
    public IReadOnlyList<string> Autoscalers { get; init; } = [PolicyNames.Kpa];

    /// <summary>The main keep-alive policy and the extra ones compared against it.</summary>
    public IReadOnlyList<string> KeepAlives { get; init; } = [PolicyNames.FixedKeepAlive];

    /// <summary>Fixed keep-alive TTLs in minutes to sweep (the trade-off curve); empty: no sweep.</summary>
    public IReadOnlyList<double> TtlSweepMinutes { get; init; } = [];

    /// <summary>
    /// Cold-start costs in minutes for the histogram keep-alives' break-even rule (<c>HistogramOptions.ColdStartCost</c>):
    /// each histogram policy runs with the paper's percentile rule and once more per cost.
    /// </summary>
    public IReadOnlyList<double> BreakEvenMinutes { get; init; } = [];

    /// <summary>The runs, fixed-TTL sweep first; <c>SweepCount</c> of them belong to the sweep.</summary>
    public (IReadOnlyList<SimulationOptions> Runs, int SweepCount) Runs()
    {
        var many = Autoscalers.Count > 1;
        var sweep = new List<SimulationOptions>();
        var others = new List<SimulationOptions>();
        foreach (var autoscaler in Autoscalers)
        {
            var baseline = Baseline with { Scaling = Baseline.Scaling with { Autoscaler = autoscaler } };
            if (TtlSweepMinutes.Count > 0)
            {
                sweep.AddRange(SweepRunner.FixedTtlSweep(baseline, TtlSweepMinutes).Select(r => many ? r with { Label = $"{autoscaler} {r.Label}" } : r));
            }

            foreach (var keepAlive in KeepAlives.Distinct(StringComparer.Ordinal))
            {
                // With a sweep, the fixed policy is already on the curve.
                if (TtlSweepMinutes.Count > 0 && keepAlive == PolicyNames.FixedKeepAlive)
                {
                    continue;
                }

                var ttl = Fmt(Baseline.Scaling.KeepAliveTtl);
                var name = keepAlive == PolicyNames.FixedKeepAlive ? $"fixed {ttl}" : keepAlive;
                var run = baseline with
                {
                    Label = many || Autoscalers[0] != PolicyNames.Kpa ? $"{autoscaler} {name}" : name,
                    Scaling = baseline.Scaling with { KeepAlive = keepAlive },
                };
                others.Add(run);
                if (keepAlive is PolicyNames.HybridHistogram or PolicyNames.LongShortHistogram)
                {
                    others.AddRange(BreakEvenMinutes.Select(cost => run with
                    {
                        Label = $"{run.Label} break-even {cost.ToString(CultureInfo.InvariantCulture)}m",
                        Catalog = _ => new PolicyCatalog(new HistogramOptions { ColdStartCost = TimeSpan.FromMinutes(cost) }),
                    }));
                }
            }
        }

        return ([.. sweep, .. others], sweep.Count);
    }

    public static SimulationOptions DefaultBaseline(WorkloadSource workload) => new()
    {
        Label = "run",
        Workload = workload.Open,
        Catalog = _ => new PolicyCatalog(),
        Diagnostics = workload.Diagnostics,
    };

    private static string Fmt(TimeSpan ttl) => Rendering.Fmt.Span(ttl).Replace(" ", "", StringComparison.Ordinal);
}
