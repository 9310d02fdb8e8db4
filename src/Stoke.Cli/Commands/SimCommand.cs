using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stoke.Abstractions.Functions;
using Stoke.Cli.Parsing;
using Stoke.Cli.Sim;
using Stoke.Policies;
using Stoke.Simulator;
using Stoke.Simulator.Results;
using Stoke.Simulator.Sweeps;
using Stoke.Simulator.Traces;

namespace Stoke.Cli.Commands;

/// <summary><c>stoke sim</c>: replays a workload trace through the server's policies on a virtual clock (docs/simulator.md).</summary>
public static class SimCommand
{
    public static Command Create(CliEnvironment env)
    {
        var trace = new Option<string>("--trace") { Description = "Workload KIND:PATH; KIND: gentd26, servegen, azure-llm, csv, synthetic.", HelpName = "KIND:PATH", Required = true };
        trace.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } t && !TraceArgument.TryParse(t, out _, out _, out var problem))
            {
                r.AddError(problem!);
            }
        });
        var lenient = new Option<bool>("--lenient") { Description = "Skip and count bad trace lines instead of stopping at the first." };
        var policy = OptionRules.NameList("--policy", "Autoscalers to compare.", PolicyCatalog.Autoscalers);
        var keepAlive = new Option<string>("--keep-alive") { Description = "Keep-alive policy of the main run.", HelpName = "POLICY", DefaultValueFactory = _ => PolicyNames.FixedKeepAlive };
        keepAlive.AcceptOnlyFromAmong([.. PolicyCatalog.KeepAlives]);
        var ttl = Durations.Option("--ttl", "Keep-alive TTL (default 10m).");
        var ttlSweep = new Option<double[]>("--ttl-sweep") { Description = "Fixed TTLs in minutes for the cold-start vs memory trade-off curve, e.g. 1,5,10,30.", HelpName = "MINUTES", CustomParser = ParseMinutes };
        var keepAlives = OptionRules.NameList("--keep-alive-policies", "Extra keep-alive policies to compare.", PolicyCatalog.KeepAlives);
        var breakEven = new Option<double[]>("--break-even") { Description = "Cold-start costs in minutes for the histogram keep-alives' break-even rule; one more run per cost, e.g. 2,4,8.", HelpName = "MINUTES", CustomParser = ParseMinutes };
        var queueLimit = OptionRules.Int("--queue-limit", "Requests a function holds while it scales before refusing (default 256).", 1);
        var nodes = OptionRules.Int("--nodes", "Nodes in the simulated cluster (default 1).", 1);
        var nodeMemory = OptionRules.Number("--node-memory", "Memory per node, GB (default 1024).", 0, exclusive: true, helpName: "GB");
        var instanceMemory = OptionRules.Number("--instance-memory", "Memory per instance, GB (default 8).", 0, exclusive: true, helpName: "GB");
        var placement = new Option<string?>("--placement") { Description = "Placement policy.", HelpName = "POLICY" };
        var cores = OptionRules.Int("--cores-per-instance", "Cores a busy instance keeps busy, for the energy estimate (default 1).", 1);
        placement.AcceptOnlyFromAmong([.. PolicyCatalog.Placements]);
        var eviction = new Option<string?>("--eviction") { Description = "Eviction policy.", HelpName = "POLICY" };
        eviction.AcceptOnlyFromAmong([.. PolicyCatalog.Evictions]);
        var targetConcurrency = OptionRules.Number("--target-concurrency", "Autoscaler's requests per instance (default 8).", 0, exclusive: true);
        var instanceConcurrency = OptionRules.Int("--instance-concurrency", "Requests one instance runs at once (default: target concurrency).", 1);
        var maxInstances = OptionRules.Int("--max-instances", "Most instances per function (default 4).", 1);
        var loadTime = Durations.Option("--load-time", "Model load time of a cold start (default: the trace's measured ones, else 10s).");
        var slo = Durations.Option("--slo", "Latency objective per request, cold-start wait included.");
        var deadline = Durations.Option("--deadline", "Longest a request is held before it is dropped (default 30s).");
        var seed = OptionRules.Int("--seed", "Random seed (same seed, same report).");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for results.csv and results.svg.", HelpName = "DIR", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "sim")) };
        var sgStart = Durations.Option("--servegen-start", "ServeGen: where in the trace to start.");
        var sgDuration = Durations.Option("--servegen-duration", "ServeGen: how much of the trace to generate (default 1h).");
        var sgRate = OptionRules.Number("--servegen-rate-scale", "ServeGen: multiply every window's rate.", 0, exclusive: true);
        var sgClients = OptionRules.Int("--servegen-clients", "ServeGen: at most this many client files (0: all).");
        var sgExec = Durations.Option("--servegen-exec", "ServeGen: mean service time (default 1s).");
        var sgSelect = new Option<ClientSelection>("--servegen-select") { Description = "ServeGen: which clients --servegen-clients keeps: first (file-name order), largest (most requests in the period) or random (from --seed).", HelpName = "first|largest|random", DefaultValueFactory = _ => ClientSelection.First };

        var command = new Command("sim", "Replay a workload trace through Stoke's policies and compare them.")
        {
            trace, lenient, policy, keepAlive, ttl, ttlSweep, keepAlives, nodes, nodeMemory, instanceMemory, placement, eviction,
            targetConcurrency, instanceConcurrency, maxInstances, loadTime, slo, deadline, seed, output, sgStart, sgDuration, sgRate, sgClients, sgExec,
            breakEven, queueLimit, sgSelect, cores,
        };

        command.Subcommands.Add(SimEvalCommand.Create(env));
        command.SetAction((result, ct) => env.GuardAsync(null, ct, async token =>
        {
            TraceArgument.TryParse(result.GetValue(trace)!, out var kind, out var path, out _);
            if (path is not null && !File.Exists(path) && !Directory.Exists(path))
            {
                throw new CliException($"Trace not found: {Path.GetFullPath(path)}", 2);
            }

            var serveGen = new ServeGenOptions();
            var workload = new WorkloadSource
            {
                Kind = kind,
                Path = path,
                Lenient = result.GetValue(lenient),
                Seed = result.GetValue(seed) ?? 1,
                ServeGen = serveGen with
                {
                    Start = result.GetValue(sgStart) ?? serveGen.Start,
                    Duration = result.GetValue(sgDuration) ?? serveGen.Duration,
                    RateScale = result.GetValue(sgRate) ?? serveGen.RateScale,
                    MaxClients = result.GetValue(sgClients) ?? serveGen.MaxClients,
                    MeanExecutionTime = result.GetValue(sgExec) ?? serveGen.MeanExecutionTime,
                    Selection = result.GetValue(sgSelect),
                },
            };
            var baseline = SimPlan.DefaultBaseline(workload);
            var scaling = new ScalingOptions();
            baseline = baseline with
            {
                Scaling = scaling with
                {
                    KeepAliveTtl = result.GetValue(ttl) ?? TimeSpan.FromMinutes(10),
                    TargetConcurrency = result.GetValue(targetConcurrency) ?? scaling.TargetConcurrency,
                    MaxInstances = result.GetValue(maxInstances) ?? scaling.MaxInstances,
                    DefaultDeadline = result.GetValue(deadline) ?? scaling.DefaultDeadline,
                    MaxQueuedRequests = result.GetValue(queueLimit) ?? scaling.MaxQueuedRequests,
                },
                InstanceConcurrency = result.GetValue(instanceConcurrency) ?? baseline.InstanceConcurrency,
                Nodes = result.GetValue(nodes) ?? baseline.Nodes,
                NodeMemoryGb = result.GetValue(nodeMemory) ?? baseline.NodeMemoryGb,
                InstanceMemoryGb = result.GetValue(instanceMemory) ?? baseline.InstanceMemoryGb,
                Placement = result.GetValue(placement) ?? baseline.Placement,
                CoresPerInstance = result.GetValue(cores) ?? baseline.CoresPerInstance,
                Eviction = result.GetValue(eviction) ?? baseline.Eviction,
                Slo = result.GetValue(slo),
                Seed = result.GetValue(seed) ?? baseline.Seed,
                LoadTime = result.GetValue(loadTime) is { } load ? EmpiricalDistribution.Constant(load) : workload.MeasuredLoadTimes() ?? baseline.LoadTime,
            };
            var plan = new SimPlan
            {
                Workload = workload,
                Baseline = baseline,
                Autoscalers = result.GetValue(policy) is { Length: > 0 } a ? a : [PolicyNames.Kpa],
                KeepAlives = [result.GetValue(keepAlive)!, .. result.GetValue(keepAlives) ?? []],
                TtlSweepMinutes = result.GetValue(ttlSweep) ?? [],
                BreakEvenMinutes = result.GetValue(breakEven) ?? [],
            };

            var (runs, sweepCount) = plan.Runs();
            var reports = await RunAsync(env, workload, runs, token);
            env.Console.Write(SimTables.Results(reports));
            if (workload.Diagnostics.SkippedLines > 0)
            {
                env.Console.MarkupLine($"[yellow]Skipped {workload.Diagnostics.SkippedLines} bad trace line(s)[/], e.g. {Markup.Escape(workload.Diagnostics.Samples[0])}");
            }

            var dir = result.GetValue(output)!;
            Directory.CreateDirectory(dir.FullName);
            var csv = Path.Combine(dir.FullName, "results.csv");
            var svg = Path.Combine(dir.FullName, "results.svg");
            ReportWriter.WriteCsv(csv, reports);
            await File.WriteAllTextAsync(svg, SimTables.Chart(kind.ToString(), reports, sweepCount), token);
            env.Console.MarkupLine($"Wrote [bold]{Markup.Escape(csv)}[/] and [bold]{Markup.Escape(svg)}[/].");
            return 0;
        }));
        return command;
    }

    private static async Task<IReadOnlyList<SimulationReport>> RunAsync(CliEnvironment env, WorkloadSource workload, IReadOnlyList<SimulationOptions> runs, CancellationToken ct)
    {
        IReadOnlyList<SimulationReport> Run(IProgress<double>? progress)
        {
            try
            {
                return runs.Count == 1
                    ? [SimulationRunner.Run(runs[0] with { ExpectedRequests = workload.EstimateRequests() }, progress)]
                    : SweepRunner.Run(runs, 0, progress);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.FirstOrDefault(e => e is TraceFormatException) is { } inner)
            {
                // Parallel runs wrap the reader's error; surface the path:line message itself.
                throw inner;
            }
        }

        var label = runs.Count == 1 ? "simulating" : $"simulating {runs.Count} runs";
        if (!env.Interactive)
        {
            env.Console.WriteLine(label + "...");
            return await Task.Run(() => Run(null), ct);
        }

        IReadOnlyList<SimulationReport> reports = [];
        await env.Console.Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask(label, maxValue: 1);
            reports = await Task.Run(() => Run(new Reporter(v => task.Value = v)), ct);
            task.Value = 1;
        });
        return reports;
    }

    private static double[] ParseMinutes(System.CommandLine.Parsing.ArgumentResult r)
    {
        var values = new List<double>();
        foreach (var part in r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0)
            {
                values.Add(minutes);
            }
            else if (Durations.TryParse(part, out var span) && span > TimeSpan.Zero)
            {
                values.Add(span.TotalMinutes);
            }
            else
            {
                r.AddError($"--ttl-sweep: '{part}' is neither minutes (e.g. 5) nor a duration (e.g. 90s).");
            }
        }

        return [.. values];
    }

    private sealed class Reporter(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
