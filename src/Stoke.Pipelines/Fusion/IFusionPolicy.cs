using Stoke.Abstractions.Errors;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;

namespace Stoke.Pipelines.Fusion;

/// <summary>
/// Decides which consecutive steps of a compiled pipeline run together, as one task with no step hop between them;
/// chosen by name in the spec (<c>"fusion": "auto" | "off"</c>), decided once when the pipeline compiles.
/// </summary>
public interface IFusionPolicy
{
    string Name { get; }

    /// <summary>The fused groups, and for every other pair of a step and a step that reads it, why they were not fused.</summary>
    FusionPlan Plan(CompiledPipeline pipeline);
}

/// <summary>Steps that run one after another in one pass; <see cref="Steps"/> in the order they run.</summary>
public sealed record FusedGroup(string Name, string[] Steps, string Reason)
{
    /// <summary>
    /// A function step and the transform that post-processes it: the transform runs on each call's outputs on the node
    /// of the instance that served the call (<see cref="Abstractions.Tensors.InferenceRequest.Then"/>); else the group's
    /// steps run in one pass on the gateway's node.
    /// </summary>
    public bool OnInstance { get; init; }

    /// <summary>
    /// Function steps served by one composite function (<see cref="CompositeFunctions"/>): one ONNX graph joined from
    /// their models, called once with the first step's inputs, answering with the last step's outputs.
    /// </summary>
    public bool Composite { get; init; }
}

/// <summary>A step and a step that reads its outputs, left unfused, and why.</summary>
public sealed record NotFused(string From, string To, string Reason);

/// <summary>A policy's decision for one pipeline version, as <c>stoke describe</c> shows it.</summary>
public sealed record FusionPlan(string Policy, FusedGroup[] Groups, NotFused[] NotFused)
{
    private readonly Dictionary<string, FusedGroup> _byStep = Groups.SelectMany(g => g.Steps.Select(s => KeyValuePair.Create(s, g))).ToDictionary(StringComparer.Ordinal);

    /// <summary>The group that runs <paramref name="step"/>, or null when it runs on its own.</summary>
    public FusedGroup? GroupOf(string step) => _byStep.GetValueOrDefault(step);

    /// <summary>No step fused (what a pipeline compiled without a plan has).</summary>
    public static FusionPlan None { get; } = new(OffFusion.PolicyName, [], []);
}

/// <summary>The fusion policies by the name a spec gives; an unknown name is refused when the spec is read.</summary>
public static class FusionPolicies
{
    private static readonly IFusionPolicy[] All = [new AutoFusion(), new OffFusion()];

    public static string Default => AutoFusion.PolicyName;

    public static IEnumerable<string> Names => All.Select(p => p.Name);

    public static IFusionPolicy ByName(string name) =>
        All.FirstOrDefault(p => p.Name == name) ?? throw SpecError.At(null, "fusion", $"unknown fusion policy '{name}'; known: {string.Join(", ", Names)}");
}

/// <summary><c>"fusion": "off"</c>: every step runs on its own.</summary>
internal sealed class OffFusion : IFusionPolicy
{
    public const string PolicyName = "off";

    public string Name => PolicyName;

    public FusionPlan Plan(CompiledPipeline pipeline) => new(PolicyName, [],
        [.. FusionEdges.Of(pipeline).Select(e => new NotFused(e.From.Name, e.To.Name, "fusion is off in the pipeline's spec"))]);
}

/// <summary>The pairs of a step and a later step that reads its outputs, in the pipeline's order.</summary>
internal static class FusionEdges
{
    public static IEnumerable<(CompiledStep From, CompiledStep To)> Of(CompiledPipeline pipeline) =>
        pipeline.Steps.SelectMany(to => to.ReadsFrom.Select(from => (pipeline.ByName[from], to)));
}
