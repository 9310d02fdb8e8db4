using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Fusion;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Transforms;

namespace Stoke.Pipelines.Graph;

/// <summary>A validated pipeline: its steps in an order where each comes after what it reads, typed end to end.</summary>
public sealed class CompiledPipeline
{
    internal CompiledPipeline(PipelineSpec spec, CompiledStep[] steps, (string Name, TensorRef From)[] outputs, ModelSignature signature)
    {
        Spec = spec;
        Steps = steps;
        ByName = steps.ToDictionary(s => s.Name, StringComparer.Ordinal);
        Outputs = outputs;
        Signature = signature;
    }

    public PipelineSpec Spec { get; }

    /// <summary>Every step, each after the steps whose outputs it reads (and a switch or ensemble after its own steps).</summary>
    public CompiledStep[] Steps { get; }

    public IReadOnlyDictionary<string, CompiledStep> ByName { get; }

    public (string Name, TensorRef From)[] Outputs { get; }

    /// <summary>What the pipeline takes and gives, as a function's signature (requests are validated against it).</summary>
    public ModelSignature Signature { get; }

    /// <summary>Which consecutive steps run together (the spec's fusion policy decided it when the pipeline compiled).</summary>
    public FusionPlan Fusion { get; internal set; } = FusionPlan.None;

    /// <summary>The steps that call deployed functions, in order.</summary>
    public IEnumerable<CompiledStep> FunctionSteps => Steps.Where(s => s.Spec.Function is not null);
}

/// <summary>One validated step: what it reads, what it gives, and the transform or function it runs.</summary>
public sealed class CompiledStep
{
    internal CompiledStep(StepSpec spec) => Spec = spec;

    public StepSpec Spec { get; }

    public string Name => Spec.Name;

    public StepKind Kind => Spec.Kind;

    /// <summary>Input name to the tensor it reads.</summary>
    public (string Input, TensorRef From)[] Inputs { get; internal set; } = [];

    public TensorSpec[] Outputs { get; internal set; } = [];

    /// <summary>The transform a transform step runs.</summary>
    public ITransform? Transform { get; internal set; }

    /// <summary>The function version the step was checked against at deploy (a pinned one, else the latest then).</summary>
    public FunctionSpec? Function { get; internal set; }

    /// <summary>The switch or ensemble that runs this step; null when the pipeline runs it itself.</summary>
    public string? Owner { get; internal set; }

    /// <summary>What kind of work it is, for describe: <c>function ocr-rec</c>, <c>transform ctc.decode</c>, <c>switch</c>.</summary>
    public string Runs => Spec.Function is { } f ? "function " + f + (Spec.Version is { } v ? " v" + v : "")
        : Spec.Transform is { } t ? "transform " + t : Kind.ToString().ToLowerInvariant();

    /// <summary>The steps whose outputs this one reads (the pipeline's input excluded).</summary>
    public IEnumerable<string> ReadsFrom => Inputs.Select(i => i.From.Step)
        .Concat(Spec.On is { } on && TensorRef.TryParse(on, out var r) ? [r.Step] : [])
        .Where(s => s != TensorRef.InputStep).Distinct(StringComparer.Ordinal);

    /// <summary>The case or member steps a switch or ensemble runs.</summary>
    public IEnumerable<string> Owns => Spec.Cases.Select(c => c.Step).Concat(Spec.Default is { } d ? [d] : []).Concat(Spec.Members).Distinct(StringComparer.Ordinal);
}
