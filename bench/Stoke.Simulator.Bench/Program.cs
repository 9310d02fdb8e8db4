// Runs the simulator experiments of docs/simulator.md and measures replay speed.
// Usage: dotnet run -c Release --project bench/Stoke.Simulator.Bench -- [tradeoff|autoscale|speed|speed-large|all] [traces-dir] [out-dir]
//        ... -- speed-synthetic TRACES OUT FUNCTIONS REQUESTS NODES   (speed-large's day at another size, with GC figures)
using System.Diagnostics;
using System.Globalization;
using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Policies.KeepAlive;
using Stoke.Simulator;
using Stoke.Simulator.Results;
using Stoke.Simulator.Sweeps;
using Stoke.Simulator.Traces;

var what = args.Length > 0 ? args[0] : "all";
var traces = args.Length > 1 ? args[1] : "../shared/traces";
var outDir = args.Length > 2 ? args[2] : "docs";
Directory.CreateDirectory(Path.Combine(outDir, "img"));
Directory.CreateDirectory(Path.Combine(outDir, "data"));
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

var genTd26 = new WorkloadSource { Kind = TraceKind.GenTd26, Path = Path.Combine(traces, "alibaba_genai_2026") };
var loads = genTd26.MeasuredLoadTimes()!;

SimulationOptions GenTd26Base() => new()
{
    Label = "base",
    Workload = genTd26.Open,
    Catalog = _ => new PolicyCatalog(),
    Scaling = new ScalingOptions { TargetConcurrency = 1, MaxInstances = 8, DefaultDeadline = TimeSpan.FromMinutes(10) },
    LoadTime = loads,
    InstanceMemoryGb = 8,
    Nodes = 1,
    NodeMemoryGb = 1024,
    Slo = TimeSpan.FromSeconds(60),
};

if (what is "tradeoff" or "all")
{
    double[] ttls = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120];
    var baseline = GenTd26Base();
    var fixedRuns = SweepRunner.FixedTtlSweep(baseline, ttls);
    var ttl = TimeSpan.FromMinutes(10);
    // The hybrid and long/short histograms as curves: the paper's rule (percentile tail) at its p99 default, and the
    // break-even rule at a range of cold-start costs (minutes of idle instance-time one cold start is worth).
    double[] costs = [1, 2, 4, 8, 15, 30, 60, 120, 240];
    SimulationOptions Histogram(string policy, string label, HistogramOptions histogram) => baseline with
    {
        Label = label,
        Catalog = _ => new PolicyCatalog(histogram),
        Scaling = baseline.Scaling with { KeepAlive = policy, KeepAliveTtl = ttl },
    };
    List<SimulationOptions> others =
    [
        Histogram(PolicyNames.HybridHistogram, "hybrid, paper p99", new HistogramOptions()),
        Histogram(PolicyNames.LongShortHistogram, "long-short, paper p99", new HistogramOptions()),
        .. costs.Select(c => Histogram(PolicyNames.HybridHistogram, $"hybrid break-even {c}m", new HistogramOptions { ColdStartCost = TimeSpan.FromMinutes(c) })),
        .. costs.Select(c => Histogram(PolicyNames.LongShortHistogram, $"long-short break-even {c}m", new HistogramOptions { ColdStartCost = TimeSpan.FromMinutes(c) })),
        // FaasCache-style: keep everything warm (24 h TTL) on a node that holds 10 instances; memory pressure evicts.
        baseline with { Label = "cost-aware eviction, 80 GB", NodeMemoryGb = 80, Eviction = PolicyNames.CostAwareEviction, Scaling = baseline.Scaling with { KeepAliveTtl = TimeSpan.FromHours(24) } },
        baseline with { Label = "lru eviction, 80 GB", NodeMemoryGb = 80, Eviction = PolicyNames.LruEviction, Scaling = baseline.Scaling with { KeepAliveTtl = TimeSpan.FromHours(24) } },
    ];
    var sw = Stopwatch.StartNew();
    var all = SweepRunner.Run([.. fixedRuns, .. others]);
    Console.WriteLine($"trade-off sweep: {all.Count} runs in {sw.Elapsed.TotalSeconds:0.0} s");
    var fixedReports = all.Take(fixedRuns.Count).ToList();
    var otherReports = all.Skip(fixedRuns.Count).ToList();
    Console.WriteLine(ReportWriter.FormatTable(all));
    ReportWriter.WriteCsv(Path.Combine(outDir, "data", "gentd26-keepalive.csv"), all, perFunction: false);
    File.WriteAllText(Path.Combine(outDir, "img", "gentd26-keepalive-tradeoff.svg"),
        SvgChart.Scatter("GenTD26: cold starts vs wasted memory (KPA, 8 GB instances)", "wasted memory-time (GB-hours held by idle instances)", "cold-start rate (%)",
        [
            Curve("fixed TTL 1..120 min", fixedReports, "fixed "),
            Curve("hybrid histogram, break-even 1..240 min", otherReports.Where(r => r.Label.StartsWith("hybrid break-even", StringComparison.Ordinal)).ToList(), "hybrid break-even "),
            Curve("long/short histogram, break-even 1..240 min", otherReports.Where(r => r.Label.StartsWith("long-short break-even", StringComparison.Ordinal)).ToList(), "long-short break-even "),
            .. otherReports.Where(r => !r.Label.Contains("break-even", StringComparison.Ordinal))
                .Select(r => new ChartSeries(r.Label, [(r.Total.WastedGbSeconds / 3600, r.Total.ColdStartRate * 100, (string?)null)])),
        ]));
}

if (what is "autoscale" or "all")
{
    var serveGen = new WorkloadSource
    {
        Kind = TraceKind.ServeGen,
        Path = Path.Combine(traces, "alibaba_servegen_2025", "data", "language", "m-small"),
        ServeGen = new ServeGenOptions { Start = TimeSpan.FromHours(Env("SG_START_H", 36)), Duration = TimeSpan.FromHours(Env("SG_HOURS", 2)), RateScale = Env("SG_SCALE", 0.05), MaxClients = (int)Env("SG_CLIENTS", 12), MeanExecutionTime = TimeSpan.FromSeconds(1) },
    };
    // Two settings: the original one (10 s load, 5 s SLO) and a harsher one where a cold start costs more than
    // the SLO twice over (20 s load, 3 s SLO; 3 s is the service time's p99.3, so still attainable when warm).
    (string Suffix, double LoadS, double SloS)[] settings = [("", Env("SG_LOAD_S", 10), Env("SG_SLO", 5)), (", 20s load, 3s SLO", 20, 3)];
    SimulationOptions Run(string autoscaler, double loadSeconds, double sloSeconds, string suffix) => new()
    {
        Label = autoscaler + suffix,
        Workload = serveGen.Open,
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { Autoscaler = autoscaler, TargetConcurrency = 4, MaxInstances = 64, KeepAliveTtl = TimeSpan.FromMinutes(5), MaxQueuedRequests = 10_000 },
        InstanceConcurrency = 4,
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(loadSeconds)),
        InstanceMemoryGb = 16,
        NodeMemoryGb = 4096,
        Slo = TimeSpan.FromSeconds(sloSeconds),
    };
    var reports = SweepRunner.Run([.. settings.SelectMany(s => new[] { Run(PolicyNames.Kpa, s.LoadS, s.SloS, s.Suffix), Run(PolicyNames.Predictive, s.LoadS, s.SloS, s.Suffix) })]);
    Console.WriteLine(ReportWriter.FormatTable(reports));
    ReportWriter.WriteCsv(Path.Combine(outDir, "data", "servegen-autoscale.csv"), reports);
    File.WriteAllText(Path.Combine(outDir, "img", "servegen-autoscale.svg"), SvgChart.Bars(
        "ServeGen m-small, bursty: KPA vs predictive",
        "value",
        ["SLO attainment (%)", "instance-hours", "p99 latency (s)", "instance starts / 10"],
        [.. reports.Select(r => (r.Label, (IReadOnlyList<double>)[(r.Total.SloAttainment ?? 0) * 100, r.Total.InstanceSeconds / 3600, r.Total.P99Ms / 1000, r.Total.InstanceStarts / 10.0]))]));
}

if (what is "speed" or "all")
{
    Console.WriteLine($"GenTD26 full replay (median of 3): {Median(() => SimulationRunner.Run(GenTd26Base() with { Scaling = GenTd26Base().Scaling with { KeepAliveTtl = TimeSpan.FromMinutes(10) } })):0.000} s");
    var syntheticRun = SyntheticRun("synthetic", 1000, 1_000_000, nodes: 8, nodeMemoryGb: 256);
    Console.WriteLine($"synthetic 1,000 functions x 1,000,000 requests (median of 3): {Median(() => Console.Write(ReportWriter.FormatTable([SimulationRunner.Run(syntheticRun)]))):0.000} s");
    Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
}

// Planning past this machine: a synthetic day of 100,000 functions and 10,000,000 requests on 1,000 nodes (one run:
// it is the budget, < 120 s with bounded memory, that matters).
if (what is "speed-large")
{
    var largeRun = SyntheticRun("synthetic-large", 100_000, 10_000_000, nodes: 1000, nodeMemoryGb: 128);
    var watch = Stopwatch.StartNew();
    Console.Write(ReportWriter.FormatTable([SimulationRunner.Run(largeRun)]));
    Console.WriteLine($"synthetic 100,000 functions x 10,000,000 requests on 1,000 nodes: {watch.Elapsed.TotalSeconds:0.000} s");
    Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
}

// The same day at any size (to profile a change, or to see how the replay scales), with the GC's figures.
if (what is "speed-synthetic")
{
    var (functions, requests, nodes) = (int.Parse(args[3], CultureInfo.InvariantCulture), long.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture));
    var run = SyntheticRun("synthetic", functions, requests, nodes, nodeMemoryGb: 128);
    using var sampler = Environment.GetEnvironmentVariable("STOKE_ALLOCATION_TYPES") == "1" ? new AllocationSampler() : null;
    var watch = Stopwatch.StartNew();
    Console.Write(ReportWriter.FormatTable([SimulationRunner.Run(run)]));
    Console.WriteLine($"synthetic {functions} functions x {requests} requests on {nodes} nodes: {watch.Elapsed.TotalSeconds:0.000} s, gc0 {GC.CollectionCount(0)} gc1 {GC.CollectionCount(1)} gc2 {GC.CollectionCount(2)}, allocated {GC.GetTotalAllocatedBytes() >> 20} MiB, pause {GC.GetTotalPauseDuration().TotalSeconds:0.00} s");
    Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
    foreach (var (type, ticks) in sampler?.Top(25) ?? [])
    {
        Console.WriteLine($"  allocation ticks (~100 KB each): {ticks,6} {type}");
    }
}

// A synthetic day (Zipf popularity, Poisson arrivals) under KPA with a 10-minute keep-alive, as the speed figures use.
static SimulationOptions SyntheticRun(string label, int functions, long requests, int nodes, double nodeMemoryGb)
{
    var workload = new WorkloadSource { Kind = TraceKind.Synthetic, SyntheticFunctions = functions, SyntheticRequests = requests, SyntheticPeriod = TimeSpan.FromDays(1) };
    return new SimulationOptions
    {
        Label = label,
        Workload = workload.Open,
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { TargetConcurrency = 4, MaxInstances = 32, KeepAliveTtl = TimeSpan.FromMinutes(10) },
        InstanceMemoryGb = 1,
        Nodes = nodes,
        NodeMemoryGb = nodeMemoryGb,
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(2)),
    };
}

static ChartSeries Curve(string name, IReadOnlyList<SimulationReport> runs, string prefix) =>
    new(name, [.. runs.Select(r => (r.Total.WastedGbSeconds / 3600, r.Total.ColdStartRate * 100, (string?)r.Label[prefix.Length..]))], Connect: true);

static double Median(Action run)
{
    var times = new List<double>();
    for (var i = 0; i < 3; i++)
    {
        var sw = Stopwatch.StartNew();
        run();
        times.Add(sw.Elapsed.TotalSeconds);
    }

    times.Sort();
    Console.WriteLine($"  runs: {string.Join(", ", times.Select(t => t.ToString("0.000")))} s");
    return times[1];
}

static double Env(string name, double fallback) =>
    double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
