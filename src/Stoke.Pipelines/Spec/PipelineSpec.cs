using System.Text.Json.Nodes;
using Stoke.Abstractions.Tensors;

namespace Stoke.Pipelines.Spec;

/// <summary>
/// A pipeline as its author writes it (docs/pipelines.md): the inputs it takes, a DAG of steps, and which step outputs
/// it answers with. Plain data; <see cref="Graph.PipelineCompiler"/> validates it against the deployed functions.
/// </summary>
public sealed record PipelineSpec
{
    public required TensorSpec[] Inputs { get; init; }

    public required StepSpec[] Steps { get; init; }

    /// <summary>Output name to a reference (<c>step.output</c> or <c>input.name</c>).</summary>
    public required Dictionary<string, string> Outputs { get; init; }

    /// <summary>Text files the transforms read (e.g. the CTC key file), by name; stored inline with the spec.</summary>
    public Dictionary<string, string> Files { get; init; } = [];

    /// <summary>When a request finds a function step cold, start every cold function step at once (chain-aware cold start).</summary>
    public bool Prewarm { get; init; } = true;

    /// <summary>The fusion policy by name (<see cref="Fusion.FusionPolicies"/>): <c>auto</c> fuses chains of built-in transforms, a transform onto its function's instances and small pinned function steps into one composite, <c>off</c> nothing.</summary>
    public string Fusion { get; init; } = Pipelines.Fusion.FusionPolicies.Default;

    /// <summary>The most model bytes (MiB) function steps fused into one composite instance may hold together.</summary>
    public double MaxFusedMb { get; init; } = DefaultMaxFusedMb;

    /// <summary>Small models: two 32 MiB steps at most, well under a node's memory.</summary>
    public const double DefaultMaxFusedMb = 64;

    public string? Description { get; init; }
}

/// <summary>What a step does with its inputs.</summary>
public enum StepKind
{
    /// <summary>Runs once on earlier outputs.</summary>
    Sequence,
    /// <summary>Chooses one of its case steps by a condition over a tensor; its outputs are the chosen step's.</summary>
    Switch,
    /// <summary>Runs its member steps in parallel and combines their outputs of the same name.</summary>
    Ensemble,
    /// <summary>Runs its function or transform once per row of its inputs (the calls batch on the instance), joins the results.</summary>
    Splitter,
}

/// <summary>One step: a deployed function (optionally pinned to a version) or a built-in transform, or a switch or ensemble over other steps.</summary>
public sealed record StepSpec
{
    public required string Name { get; init; }

    public StepKind Kind { get; init; } = StepKind.Sequence;

    public string? Function { get; init; }

    public int? Version { get; init; }

    public string? Transform { get; init; }

    /// <summary>The step's input name to a reference (<c>step.output</c> or <c>input.name</c>).</summary>
    public Dictionary<string, string> Inputs { get; init; } = [];

    /// <summary>Settings of a transform.</summary>
    public JsonObject Parameters { get; init; } = [];

    /// <summary>A switch's condition tensor (a reference).</summary>
    public string? On { get; init; }

    public SwitchCase[] Cases { get; init; } = [];

    /// <summary>A switch's step when no case matches.</summary>
    public string? Default { get; init; }

    /// <summary>An ensemble's member steps.</summary>
    public string[] Members { get; init; } = [];

    /// <summary>How an ensemble combines: <c>mean</c>, <c>max</c> (element-wise, FP32) or <c>concat</c> (along dimension 0).</summary>
    public string Combine { get; init; } = "mean";
}

/// <summary>A switch's case: when the condition's first element equals a value, or is above or below one, run <see cref="Step"/>.</summary>
public sealed record SwitchCase(string Step, string? EqualsValue, double? Above, double? Below);

/// <summary>A reference to a tensor: a step's output or a pipeline input (step <c>input</c>).</summary>
public readonly record struct TensorRef(string Step, string Output)
{
    /// <summary>The pseudo-step whose outputs are the pipeline's inputs.</summary>
    public const string InputStep = "input";

    public bool IsPipelineInput => Step == InputStep;

    /// <summary>Splits at the first dot (step names have none; model output names may).</summary>
    public static bool TryParse(string? text, out TensorRef reference)
    {
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (text is null || dot <= 0 || dot == text.Length - 1)
        {
            reference = default;
            return false;
        }

        reference = new TensorRef(text[..dot], text[(dot + 1)..]);
        return true;
    }

    public override string ToString() => Step + "." + Output;
}
