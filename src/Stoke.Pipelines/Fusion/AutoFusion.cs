using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;

namespace Stoke.Pipelines.Fusion;

/// <summary>
/// The default policy (<c>"fusion": "auto"</c>): a transform that only post-processes one function step runs on that
/// step's instances (<see cref="InstanceFusion"/>); and built-in transform steps that form a chain (each reads the one
/// before it, and anything else it reads is done before the chain starts) run as one group, so the next transform runs
/// straight after the one before on the same thread, with no task of its own and no wait on its inputs; and small
/// pinned function steps always called one after the other are served by one composite (<see cref="CompositeFusion"/>).
/// Other function steps keep their own instances, batching, scaling and keep-alive, and a splitter, switch or
/// ensemble keeps its own fan-out.
/// </summary>
internal sealed class AutoFusion : IFusionPolicy
{
    public const string PolicyName = "auto";

    public string Name => PolicyName;

    public FusionPlan Plan(CompiledPipeline pipeline)
    {
        var chains = new List<List<CompiledStep>>();
        var chainOf = new Dictionary<string, List<CompiledStep>>(StringComparer.Ordinal);
        var notFused = new List<NotFused>();
        var composites = CompositeFusion.Chains(pipeline);
        var compositeOf = composites.SelectMany(c => c.Select(s => KeyValuePair.Create(s.Name, c))).ToDictionary(StringComparer.Ordinal);
        // A composite's last step answers from the composite's instances; a transform after it runs on the gateway.
        var onInstance = InstanceFusion.Pairs(pipeline).Where(p => !compositeOf.ContainsKey(p.Function.Name)).ToArray();
        var runsOnInstance = onInstance.ToDictionary(p => p.Transform.Name, p => p.Function.Name, StringComparer.Ordinal);
        foreach (var (from, to) in FusionEdges.Of(pipeline))
        {
            if (runsOnInstance.GetValueOrDefault(to.Name) == from.Name || (compositeOf.TryGetValue(from.Name, out var c) && c.Contains(to)))
            {
                continue;
            }

            var why = runsOnInstance.TryGetValue(from.Name, out var function)
                ? $"'{from.Name}' runs on the instances of '{function}'; what reads it runs on its own"
                : WhyNot(pipeline, from, to, chainOf);
            if (why is not null && from.Spec.Function is not null && to.Spec.Function is not null)
            {
                why = $"'{from.Name}' and '{to.Name}' call functions, and are not served by one composite: " + CompositeFusion.WhyNot(pipeline, from, to);
            }
            else if (why is not null && from.Spec.Function is not null && to.Transform is not null)
            {
                why += "; nor does it run on its instances: " + (compositeOf.TryGetValue(from.Name, out var composite)
                    ? $"'{from.Name}' is served inside the composite '{CompositeFusion.Group(pipeline, composite).Name}', whose instances run no transform"
                    : InstanceFusion.WhyNot(pipeline, from, to));
            }

            if (why is not null)
            {
                notFused.Add(new NotFused(from.Name, to.Name, why));
                continue;
            }

            if (!chainOf.TryGetValue(from.Name, out var chain))
            {
                chain = [from];
                chains.Add(chain);
                chainOf[from.Name] = chain;
            }

            chain.Add(to);
            chainOf[to.Name] = chain;
        }

        var groups = chains.Select(c => new FusedGroup(
            string.Join("+", c.Select(s => s.Name)),
            [.. c.Select(s => s.Name)],
            "built-in transforms in a chain (" + string.Join(", ", c.Skip(1).Select((s, i) => $"'{s.Name}' reads '{c[i].Name}'")) +
            "), each reading nothing that is not done before the chain starts: they run in one pass on this node, each output handed to the next without a step hop"));
        return new FusionPlan(PolicyName, [.. composites.Select(c => CompositeFusion.Group(pipeline, c)), .. onInstance.Select(p => InstanceFusion.Group(p.Function, p.Transform)), .. groups], [.. notFused]);
    }

    // Null when 'to' joins the chain that 'from' ends (or starts one with it); else the reason it does not.
    private static string? WhyNot(CompiledPipeline pipeline, CompiledStep from, CompiledStep to, Dictionary<string, List<CompiledStep>> chainOf)
    {
        if ((NotATransform(from) ?? NotATransform(to)) is { } reason)
        {
            return reason;
        }

        if (chainOf.TryGetValue(to.Name, out var joined))
        {
            return $"'{to.Name}' is already fused after '{joined[^2].Name}'";
        }

        var chain = chainOf.GetValueOrDefault(from.Name) ?? [from];
        if (chain[^1] != from)
        {
            return $"'{from.Name}' is already followed by '{chain[chain.IndexOf(from) + 1].Name}' in its group; a group is a chain, so parallel branches stay parallel";
        }

        var before = Ancestors(pipeline, chain[0]);
        var late = to.ReadsFrom.FirstOrDefault(s => s != from.Name && !before.Contains(s) && !chain.Any(c => c.Name == s));
        return late is null ? null : $"'{to.Name}' also reads '{late}', which may not be done when '{chain[0].Name}' starts";
    }

    private static string? NotATransform(CompiledStep step) => step switch
    {
        { Owner: { } owner } => $"'{step.Name}' belongs to '{owner}', which decides when it runs",
        { Kind: StepKind.Switch or StepKind.Ensemble } => $"'{step.Name}' is a {step.Kind.ToString().ToLowerInvariant()} over other steps",
        { Spec.Function: { } f } => $"'{step.Name}' calls function '{f}', which runs on its own instances (own batching, scaling, keep-alive); it fuses only with function steps, into a composite",
        { Kind: StepKind.Splitter } => $"'{step.Name}' is a splitter: it fans out one call per row",
        _ => null,
    };

    // Every step that is done before 'step' starts: what it reads, and what those read, transitively.
    private static HashSet<string> Ancestors(CompiledPipeline pipeline, CompiledStep step)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>(step.ReadsFrom);
        while (todo.TryPop(out var name))
        {
            if (seen.Add(name))
            {
                foreach (var next in pipeline.ByName[name].ReadsFrom)
                {
                    todo.Push(next);
                }
            }
        }

        return seen;
    }
}
