using Stoke.Simulator.Results;

namespace Stoke.Simulator.Sweeps;

/// <summary>Runs several configurations in parallel (each streams its own copy of the trace) and keeps their order.</summary>
public static class SweepRunner
{
    /// <summary>Runs every configuration; <paramref name="progress"/> gets the share of runs finished.</summary>
    public static IReadOnlyList<SimulationReport> Run(IReadOnlyList<SimulationOptions> runs, int maxParallelism = 0, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var results = new SimulationReport[runs.Count];
        var done = 0;
        Parallel.For(
            0,
            runs.Count,
            new ParallelOptions { MaxDegreeOfParallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount },
            i =>
            {
                results[i] = SimulationRunner.Run(runs[i]);
                progress?.Report((double)Interlocked.Increment(ref done) / runs.Count);
            });
        return results;
    }

    /// <summary>The keep-alive sweep of the write-up: a fixed TTL at each of <paramref name="ttlMinutes"/> on one base configuration.</summary>
    public static IReadOnlyList<SimulationOptions> FixedTtlSweep(SimulationOptions baseline, IEnumerable<double> ttlMinutes) =>
        [.. ttlMinutes.Select(m => baseline with
        {
            Label = $"fixed {m:0.##}m",
            Scaling = baseline.Scaling with { KeepAlive = Abstractions.Functions.PolicyNames.FixedKeepAlive, KeepAliveTtl = TimeSpan.FromMinutes(m) },
        })];

    /// <summary>
    /// The trade-off plot: wasted memory-time (GB-hours) against cold-start rate, the fixed-TTL runs as a curve
    /// and every other run as a labelled point.
    /// </summary>
    public static string TradeOffSvg(string title, IReadOnlyList<SimulationReport> fixedTtl, IReadOnlyList<SimulationReport> others)
    {
        var series = new List<ChartSeries>
        {
            new("fixed TTL 1..120 min", [.. fixedTtl.Select(r => (r.Total.WastedGbSeconds / 3600, r.Total.ColdStartRate * 100, (string?)ShortLabel(r.Label)))], Connect: true),
        };
        series.AddRange(others.Select(r => new ChartSeries(r.Label, [(r.Total.WastedGbSeconds / 3600, r.Total.ColdStartRate * 100, (string?)null)])));
        return SvgChart.Scatter(title, "wasted memory-time (GB-hours held by idle instances)", "cold-start rate (%)", series);
    }

    private static string ShortLabel(string label) => label.StartsWith("fixed ", StringComparison.Ordinal) ? label[6..] : label;
}
