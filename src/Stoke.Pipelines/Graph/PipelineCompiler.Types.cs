using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Transforms;

namespace Stoke.Pipelines.Graph;

// Types and shapes from step to step.
public sealed partial class PipelineCompiler
{
    private async Task<TensorSpec[]> WorkOutputsAsync(
        string tenant, CompiledStep step, PipelineSpec spec, Dictionary<string, TensorSpec> known, CancellationToken cancellationToken)
    {
        TensorSpec[] wants;
        TensorSpec[] gives;
        if (step.Spec.Function is { } name)
        {
            var function = await functions.FindAsync(tenant, name, step.Spec.Version, cancellationToken)
                ?? throw SpecError.At(step.Name, "function", step.Spec.Version is { } v ? $"function '{name}' version {v} is not deployed" : $"function '{name}' is not deployed");
            if (function.Engine == FunctionSpec.PipelineEngine)
            {
                throw SpecError.At(step.Name, "function", $"'{name}' is a pipeline; a step calls a model function");
            }

            step.Function = function;
            (wants, gives) = (function.Signature.Inputs, function.Signature.Outputs);
        }
        else
        {
            if (!transforms.TryGet(step.Spec.Transform!, out var factory))
            {
                throw SpecError.At(step.Name, "transform", $"unknown transform '{step.Spec.Transform}'; known: {string.Join(", ", transforms.All.Select(f => f.Name))}");
            }

            step.Transform = factory.Create(new TransformSettings(step.Name, step.Spec.Parameters, step.Spec.Inputs.Keys, spec.Files));
            (wants, gives) = (step.Transform.Inputs, step.Transform.Outputs);
        }

        foreach (var want in wants)
        {
            if (!step.Spec.Inputs.ContainsKey(want.Name))
            {
                throw SpecError.At(step.Name, "inputs." + want.Name, $"missing: it takes {Describe(want)}");
            }
        }

        foreach (var (input, from) in step.Inputs)
        {
            var want = wants.FirstOrDefault(w => w.Name == input)
                ?? throw SpecError.At(step.Name, "inputs." + input, $"takes no input '{input}'; it takes {string.Join(", ", wants.Select(w => w.Name))}");
            if (!known.TryGetValue(from.ToString(), out var have))
            {
                throw SpecError.At(step.Name, "inputs." + input, $"'{from}' is not an output of step '{from.Step}'");
            }

            // A splitter calls its function once per row: each call gets one row, [1, rest...].
            if (step.Kind == StepKind.Splitter)
            {
                if (have.Shape.Length == 0)
                {
                    throw SpecError.At(step.Name, "inputs." + input, $"a splitter maps over rows, but '{from}' is a scalar");
                }

                have = have with { Shape = [1, .. have.Shape[1..]] };
            }

            if (!Compatible(have, want))
            {
                throw SpecError.At(step.Name, "inputs." + input, $"'{from}' is {Describe(have)} but it takes {Describe(want)}");
            }
        }

        return step.Kind == StepKind.Splitter
            ? [.. gives.Select(g => g with { Shape = g.Shape.Length == 0 ? [-1] : [-1, .. g.Shape[1..]] })]
            : gives;
    }

    private static TensorSpec[] SwitchOutputs(CompiledStep step, Dictionary<string, CompiledStep> steps, Dictionary<string, TensorSpec> known)
    {
        TensorRef.TryParse(step.Spec.On, out var on);
        if (!known.ContainsKey(on.ToString()))
        {
            throw SpecError.At(step.Name, "on", $"'{on}' is not an output of step '{on.Step}'");
        }

        var branches = step.Owns.ToArray();
        var first = steps[branches[0]].Outputs;
        for (var i = 1; i < branches.Length; i++)
        {
            if (!SameOutputs(first, steps[branches[i]].Outputs))
            {
                throw SpecError.At(step.Name, "cases", $"step '{branches[i]}' gives {Describe(steps[branches[i]].Outputs)} but '{branches[0]}' gives {Describe(first)}: every case must give the same outputs");
            }
        }

        return first;
    }

    private static TensorSpec[] EnsembleOutputs(CompiledStep step, Dictionary<string, CompiledStep> steps)
    {
        var members = step.Spec.Members;
        var first = steps[members[0]].Outputs;
        foreach (var member in members.Skip(1))
        {
            if (!SameOutputs(first, steps[member].Outputs))
            {
                throw SpecError.At(step.Name, "members", $"step '{member}' gives {Describe(steps[member].Outputs)} but '{members[0]}' gives {Describe(first)}");
            }
        }

        if (step.Spec.Combine != "concat" && first.FirstOrDefault(o => o.DataType != TensorDataType.FP32) is { } bad)
        {
            throw SpecError.At(step.Name, "combine", $"{step.Spec.Combine} combines FP32 outputs, but '{bad.Name}' is {bad.DataType.ToWireName()}");
        }

        return step.Spec.Combine == "concat" ? [.. first.Select(o => o with { Shape = [-1, .. o.Shape[1..]] })] : first;
    }

    private static bool SameOutputs(TensorSpec[] a, TensorSpec[] b) =>
        a.Length == b.Length && a.All(x => b.FirstOrDefault(y => y.Name == x.Name) is { } y && Compatible(x, y));

    /// <summary>Same type and rank, and every dimension equal where both are fixed.</summary>
    public static bool Compatible(TensorSpec have, TensorSpec want)
    {
        if (have.DataType != want.DataType || have.Shape.Length != want.Shape.Length)
        {
            return false;
        }

        for (var i = 0; i < have.Shape.Length; i++)
        {
            if (have.Shape[i] >= 0 && want.Shape[i] >= 0 && have.Shape[i] != want.Shape[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(TensorSpec t) => $"{t.DataType.ToWireName()} {TensorShape.Format(t.Shape)}";

    private static string Describe(TensorSpec[] outputs) => "(" + string.Join(", ", outputs.Select(o => o.Name + " " + Describe(o))) + ")";
}
