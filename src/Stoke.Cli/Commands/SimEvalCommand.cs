using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Policies.KeepAlive;
using Stoke.Simulator;
using Stoke.Simulator.Evaluation;
using Stoke.Simulator.Sweeps;

namespace Stoke.Cli.Commands;

/// <summary>
/// <c>stoke sim eval</c>: the evaluation protocol (docs/simulator.md): each Stoke policy against its baseline on every
/// slice of every real trace, over several seeds, with a verdict per slice.
/// </summary>
public static class SimEvalCommand
{
    /// <summary>The break-even costs (minutes) that make the hybrid histogram's curve.</summary>
    public static readonly double[] BreakEvenMinutes = [1, 2, 4, 8, 15, 30, 60, 120, 240];

    public static Command Create(CliEnvironment env)
    {
        var traces = new Option<DirectoryInfo>("--traces") { Description = "The folder of the real traces.", HelpName = "DIR", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "traces")) };
        var seeds = new Option<int[]>("--seeds") { Description = "Seeds of every slice (arrivals of generated traces, sampled load times).", HelpName = "N,N", CustomParser = ParseSeeds, DefaultValueFactory = _ => [1, 2, 3] };
        var only = new Option<string?>("--only") { Description = "Run one comparison: autoscaling or keep-alive.", HelpName = "WHAT" };
        only.AcceptOnlyFromAmong("autoscaling", "keep-alive");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for eval-autoscaling.md and eval-keep-alive.md.", HelpName = "DIR", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "eval")) };
        var command = new Command("eval", "Run each policy against its baseline on every slice of every trace, with seeds and verdicts.") { traces, seeds, only, output };
        command.SetAction((result, ct) => env.GuardAsync(null, ct, async token =>
        {
            var folder = result.GetValue(traces)!.FullName;
            if (!Directory.Exists(folder))
            {
                throw new CliException($"Traces not found: {folder}", 2);
            }

            var seedList = result.GetValue(seeds)!;
            var what = result.GetValue(only);
            var dir = result.GetValue(output)!;
            Directory.CreateDirectory(dir.FullName);
            if (what is null or "autoscaling")
            {
                var tables = new List<string>();
                foreach (var candidate in new[] { PolicyNames.GuardedPredictive, PolicyNames.Predictive })
                {
                    env.Console.WriteLine($"autoscaling: {candidate} vs kpa...");
                    var rows = await Task.Run(() => AutoscalerEvaluation.Run(EvaluationSlices.Autoscaling(folder), candidate, PolicyNames.Kpa, seedList), token);
                    tables.Add(EvaluationTables.Autoscaling(rows, candidate, PolicyNames.Kpa));
                }

                await WriteAsync(env, Path.Combine(dir.FullName, "eval-autoscaling.md"), string.Join(Environment.NewLine, tables), token);
            }

            if (what is null or "keep-alive")
            {
                env.Console.WriteLine($"keep-alive: hybrid histogram vs a dense fixed-TTL curve ({KeepAliveEvaluation.DenseTtlMinutes.Count} TTLs)...");
                var slices = EvaluationSlices.KeepAlive(folder);
                KeepAliveCandidate[] candidates =
                [
                    new(SurvivalLabel, Survival, EvaluationSlices.SurvivalRole),
                    new(ControlLabel, FixedControl, _ => SliceRole.HeldOut),
                    new("hybrid, break-even 1..240 min", Hybrid(BreakEvenMinutes)),
                    new("hybrid, paper rule", Hybrid([])),
                ];
                var rows = await Task.Run(() => KeepAliveEvaluation.Run(slices, candidates, seedList), token);
                await WriteAsync(env, Path.Combine(dir.FullName, "eval-keep-alive.md"), EvaluationTables.KeepAlive(rows), token);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The TTLs (minutes) that make the survival keep-alive's curve and the control's: the dense fixed sweep's own, so
    /// a candidate has as many settings to find its best operating points among as the baseline has.
    /// </summary>
    public static IReadOnlyList<double> SurvivalTtlMinutes => KeepAliveEvaluation.DenseTtlMinutes;

    private static string SurvivalLabel => string.Create(CultureInfo.InvariantCulture, $"survival-ttl, TTL {SurvivalTtlMinutes[0]:0.#}..{SurvivalTtlMinutes[^1]:0.#} min");

    private static string ControlLabel => string.Create(CultureInfo.InvariantCulture, $"control: fixed TTL itself, TTL {SurvivalTtlMinutes[0]:0.#}..{SurvivalTtlMinutes[^1]:0.#} min");

    // The baseline run again as a candidate: what the protocol scores a policy that is exactly the fixed TTL (0.0% at
    // every point, or the comparison is not symmetric).
    private static IReadOnlyList<SimulationOptions> FixedControl(SimulationOptions baseline) =>
        SweepRunner.FixedTtlSweep(baseline, SurvivalTtlMinutes);

    // The survival keep-alive at each TTL, its one knob.
    private static IReadOnlyList<SimulationOptions> Survival(SimulationOptions baseline) =>
        [.. SurvivalTtlMinutes.Select(m => baseline with
        {
            Label = string.Create(CultureInfo.InvariantCulture, $"{baseline.Label}, survival-ttl {m}m"),
            Scaling = baseline.Scaling with { KeepAlive = PolicyNames.SurvivalKeepAlive, KeepAliveTtl = TimeSpan.FromMinutes(m) },
        })];

    // The hybrid histogram at each cold-start cost (its break-even rule), or with the paper's percentile rule when none.
    private static Func<SimulationOptions, IReadOnlyList<SimulationOptions>> Hybrid(double[] costs) => baseline =>
    {
        var run = baseline with { Scaling = baseline.Scaling with { KeepAlive = PolicyNames.HybridHistogram, KeepAliveTtl = TimeSpan.FromMinutes(10) } };
        return costs.Length == 0
            ? [run with { Label = baseline.Label + ", hybrid paper" }]
            : [.. costs.Select(c => run with
            {
                Label = string.Create(CultureInfo.InvariantCulture, $"{baseline.Label}, hybrid break-even {c}m"),
                Catalog = _ => new PolicyCatalog(new HistogramOptions { ColdStartCost = TimeSpan.FromMinutes(c) }),
            })];
    };

    private static async Task WriteAsync(CliEnvironment env, string path, string markdown, CancellationToken token)
    {
        await File.WriteAllTextAsync(path, markdown, token);
        env.Console.WriteLine(markdown);
        env.Console.MarkupLine($"Wrote [bold]{Markup.Escape(path)}[/].");
    }

    private static int[] ParseSeeds(System.CommandLine.Parsing.ArgumentResult r)
    {
        var seeds = new List<int>();
        foreach (var part in r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
            {
                seeds.Add(seed);
            }
            else
            {
                r.AddError($"--seeds: '{part}' is not a whole number.");
            }
        }

        return [.. seeds];
    }
}
