using Stoke.Abstractions.Functions;

namespace Stoke.Pipelines.Spec;

/// <summary>Pipeline specs built from code.</summary>
public static class PipelineSpecs
{
    /// <summary>
    /// A plain sequence of function steps (e.g. the slices of a partitioned model): each input of a step is read from
    /// the latest earlier step that gives an output of that name, else from a pipeline input of that name and type;
    /// the pipeline answers with the last step's outputs. Steps are named <c>step1</c>, <c>step2</c>, ...
    /// </summary>
    public static PipelineSpec Sequence(IReadOnlyList<FunctionSpec> functions, bool prewarm = true)
    {
        ArgumentOutOfRangeException.ThrowIfZero(functions.Count);
        var inputs = new List<Abstractions.Tensors.TensorSpec>();
        var produced = new Dictionary<string, string>(StringComparer.Ordinal);
        var steps = new List<StepSpec>();
        for (var i = 0; i < functions.Count; i++)
        {
            var name = "step" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var wiring = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var input in functions[i].Signature.Inputs)
            {
                if (!produced.TryGetValue(input.Name, out var from))
                {
                    if (!inputs.Exists(p => p.Name == input.Name))
                    {
                        inputs.Add(input);
                    }

                    from = TensorRef.InputStep + "." + input.Name;
                }

                wiring[input.Name] = from;
            }

            foreach (var output in functions[i].Signature.Outputs)
            {
                produced[output.Name] = name + "." + output.Name;
            }

            steps.Add(new StepSpec { Name = name, Function = functions[i].Name, Version = functions[i].Version, Inputs = wiring });
        }

        var last = "step" + functions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new PipelineSpec
        {
            Inputs = [.. inputs],
            Steps = [.. steps],
            Outputs = functions[^1].Signature.Outputs.ToDictionary(o => o.Name, o => last + "." + o.Name, StringComparer.Ordinal),
            Prewarm = prewarm,
        };
    }
}
