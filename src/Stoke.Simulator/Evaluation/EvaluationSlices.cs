using Stoke.Abstractions.Functions;
using Stoke.Policies;
using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Evaluation;

/// <summary>
/// The protocol's slices of the real traces in a <c>traces</c> folder (<c>../shared/traces</c>): for the autoscalers,
/// ServeGen m-small and m-mid periods and client sets (by name order, by size, at random), the Azure LLM conversation
/// trace's two halves and GenTD26's thirds; for keep-alive, GenTD26 whole and in thirds. Settings are those of
/// docs/simulator.md's experiments. The predictive autoscaler was tuned on m-small hours 36-38, first 12 clients, and
/// guarded-predictive's panic rule on the Azure trace's first half, the histogram keep-alive on the whole of GenTD26
/// (survival-ttl's least gain on days 1-4 and 5-9: <see cref="SurvivalRole"/>); every other slice is reported as held out or as part of those.
/// </summary>
public static class EvaluationSlices
{
    public static IReadOnlyList<EvaluationSlice> Autoscaling(string traces)
    {
        var small = Path.Combine(traces, "alibaba_servegen_2025", "data", "language", "m-small");
        var mid = Path.Combine(traces, "alibaba_servegen_2025", "data", "language", "m-mid");
        return
        [
            ServeGen("servegen m-small", "hours 36-38, first 12 clients", SliceRole.Tuned, small, 36, 12, ClientSelection.First),
            ServeGen("servegen m-small", "hours 12-14, all clients", SliceRole.HeldOut, small, 12, 0, ClientSelection.First),
            ServeGen("servegen m-small", "hours 60-62, largest 12 clients", SliceRole.HeldOut, small, 60, 12, ClientSelection.Largest),
            ServeGen("servegen m-small", "hours 84-86, 12 random clients", SliceRole.HeldOut, small, 84, 12, ClientSelection.Random),
            ServeGen("servegen m-mid", "hours 36-38, largest 12 clients", SliceRole.HeldOut, mid, 36, 12, ClientSelection.Largest),
            ServeGen("servegen m-mid", "hours 156-158, 12 random clients", SliceRole.HeldOut, mid, 156, 12, ClientSelection.Random),
            // guarded-predictive's panic rule was found and checked on the first half only.
            AzureLlm(traces, "first half (29 min)", SliceRole.Tuned, 0),
            AzureLlm(traces, "second half (29 min)", SliceRole.HeldOut, 1),
            .. GenTd26Thirds(traces, autoscaling: true),
        ];
    }

    /// <summary>
    /// What a keep-alive slice is to <c>survival-ttl</c>: its least gain was chosen on days 1-4 and 5-9, so days
    /// 10-14 are held out and the whole trace holds the tuned days.
    /// </summary>
    public static SliceRole SurvivalRole(EvaluationSlice slice) => slice.Name switch
    {
        "days 1-4" or "days 5-9" => SliceRole.Tuned,
        "days 10-14" => SliceRole.HeldOut,
        _ => SliceRole.PartOfTuned,
    };

    public static IReadOnlyList<EvaluationSlice> KeepAlive(string traces) =>
    [
        GenTd26(traces, "all 13 days", SliceRole.Tuned, null, autoscaling: false),
        .. GenTd26Thirds(traces, autoscaling: false),
    ];

    // docs/simulator.md section 2's first setting.
    private static EvaluationSlice ServeGen(string trace, string name, SliceRole role, string folder, double startHour, int clients, ClientSelection selection) =>
        new(trace, name, role, seed =>
        {
            var source = new WorkloadSource
            {
                Kind = TraceKind.ServeGen,
                Path = folder,
                Seed = seed,
                ServeGen = new ServeGenOptions { Start = TimeSpan.FromHours(startHour), Duration = TimeSpan.FromHours(2), RateScale = 0.05, MaxClients = clients, Selection = selection, MeanExecutionTime = TimeSpan.FromSeconds(1) },
            };
            return Bursty(source.Open, seed) with { Label = $"{trace}, {name}" };
        });

    // The conversation service: one function, service time from its tokens; same serving settings as ServeGen but a
    // 10 s SLO (its mean service time is about 4 s).
    private static EvaluationSlice AzureLlm(string traces, string name, SliceRole role, int half) =>
        new("azure llm 2023 conv", name, role, seed =>
        {
            var source = new WorkloadSource { Kind = TraceKind.AzureLlm, Path = Path.Combine(traces, "azure_llm_2023", "AzureLLMInferenceTrace_conv.csv") };
            return Bursty(() => Half(source.Open(), half), seed) with { Label = "azure llm, " + name, Slo = TimeSpan.FromSeconds(10) };
        });

    private static SimulationOptions Bursty(Func<IEnumerable<TraceRequest>> workload, int seed) => new()
    {
        Label = "slice",
        Workload = workload,
        Catalog = _ => new PolicyCatalog(),
        Scaling = new ScalingOptions { TargetConcurrency = 4, MaxInstances = 64, KeepAliveTtl = TimeSpan.FromMinutes(5), MaxQueuedRequests = 10_000 },
        InstanceConcurrency = 4,
        LoadTime = EmpiricalDistribution.Constant(TimeSpan.FromSeconds(10)),
        InstanceMemoryGb = 16,
        NodeMemoryGb = 4096,
        Slo = TimeSpan.FromSeconds(5),
        Seed = seed,
    };

    private static IEnumerable<EvaluationSlice> GenTd26Thirds(string traces, bool autoscaling)
    {
        // 2024-11-15 .. 2024-11-28: days 1-4, 5-9, 10-13.
        var first = new DateTimeOffset(2024, 11, 15, 0, 0, 0, TimeSpan.Zero);
        (int From, int To)[] thirds = [(0, 4), (4, 9), (9, 14)];
        var role = autoscaling ? SliceRole.HeldOut : SliceRole.PartOfTuned;
        return thirds.Select(t => GenTd26(traces, $"days {t.From + 1}-{t.To}", role, (first.AddDays(t.From), first.AddDays(t.To)), autoscaling));
    }

    // docs/simulator.md section 1's setting; for the autoscalers a 10-minute keep-alive.
    private static EvaluationSlice GenTd26(string traces, string name, SliceRole role, (DateTimeOffset From, DateTimeOffset To)? period, bool autoscaling) =>
        new("gentd26", name, role, seed =>
        {
            var source = new WorkloadSource { Kind = TraceKind.GenTd26, Path = Path.Combine(traces, "alibaba_genai_2026") };
            return new SimulationOptions
            {
                Label = "gentd26, " + name,
                Workload = period is { } p ? () => source.Open().Where(r => r.Arrival >= p.From && r.Arrival < p.To) : source.Open,
                Catalog = _ => new PolicyCatalog(),
                Scaling = new ScalingOptions { TargetConcurrency = 1, MaxInstances = 8, DefaultDeadline = TimeSpan.FromMinutes(10), KeepAliveTtl = TimeSpan.FromMinutes(10) },
                LoadTime = source.MeasuredLoadTimes()!,
                InstanceMemoryGb = 8,
                Nodes = 1,
                NodeMemoryGb = 1024,
                Slo = TimeSpan.FromSeconds(60),
                Seed = seed,
            };
        });

    private static IEnumerable<TraceRequest> Half(IEnumerable<TraceRequest> requests, int half)
    {
        DateTimeOffset? start = null;
        foreach (var r in requests)
        {
            start ??= r.Arrival;
            var second = (r.Arrival - start.Value) >= TimeSpan.FromMinutes(29);
            if ((half == 1) == second)
            {
                yield return r;
            }
        }
    }
}
