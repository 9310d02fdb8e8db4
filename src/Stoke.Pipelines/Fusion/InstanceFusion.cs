using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;

namespace Stoke.Pipelines.Fusion;

/// <summary>
/// The part of <c>auto</c> that fuses a transform into the function step it post-processes: the transform reads only
/// that step, only it reads that step (no other step, no pipeline output), and, after a splitter, it works row by row.
/// Then it always runs right after each call on that call's outputs alone, so it runs on the node of the instance that
/// served the call, and only its outputs come back: no step of its own, and the model's outputs are never joined nor
/// sent on (for the OCR recognizer, text instead of [1,40,6625] scores per line).
/// </summary>
internal static class InstanceFusion
{
    /// <summary>Each fused pair: the function step and its transform.</summary>
    public static (CompiledStep Function, CompiledStep Transform)[] Pairs(CompiledPipeline pipeline) =>
        [.. FusionEdges.Of(pipeline).Where(e => WhyNot(pipeline, e.From, e.To) is null)];

    public static FusedGroup Group(CompiledStep function, CompiledStep transform) => new(
        function.Name + "+" + transform.Name,
        [function.Name, transform.Name],
        $"'{transform.Name}' ({transform.Runs}) reads only '{function.Name}' and is all that reads it" +
        (function.Kind == StepKind.Splitter ? ", row by row" : "") +
        $": it runs on each call's outputs on the node of the instance that served the call, so only its outputs come back")
    { OnInstance = true };

    /// <summary>Null when <paramref name="to"/> can run on the instances of function step <paramref name="from"/>; else why not.</summary>
    public static string? WhyNot(CompiledPipeline pipeline, CompiledStep from, CompiledStep to)
    {
        if (from.Spec.Function is null || from.Owner is not null || from.Kind is not (StepKind.Sequence or StepKind.Splitter))
        {
            return "not a function step of the pipeline's own";
        }

        if (to.Transform is not { } transform || to.Owner is not null || to.Kind != StepKind.Sequence)
        {
            return "not a transform step of the pipeline's own";
        }

        if (to.Spec.On is not null || to.Inputs.Any(i => i.From.Step != from.Name))
        {
            return $"'{to.Name}' also reads something other than '{from.Name}'";
        }

        if (pipeline.Steps.Any(s => s != to && s.ReadsFrom.Contains(from.Name)) || pipeline.Outputs.Any(o => o.From.Step == from.Name))
        {
            return $"'{from.Name}' is read by more than '{to.Name}'";
        }

        return from.Kind == StepKind.Splitter && !transform.RowWise ? $"'{to.Name}' does not work row by row, and '{from.Name}' is a splitter" : null;
    }
}
