using System.Text.RegularExpressions;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Tensors;
using Stoke.Pipelines.Fusion;
using Stoke.Pipelines.Spec;
using Stoke.Pipelines.Transforms;

namespace Stoke.Pipelines.Graph;

/// <summary>Finds the deployed function a step names (the pinned version, or the latest); null when there is none.</summary>
public interface IStepFunctions
{
    Task<FunctionSpec?> FindAsync(string tenant, string name, int? version, CancellationToken cancellationToken);
}

/// <summary>
/// Validates a pipeline spec against the built-in transforms and the tenant's deployed functions: names, references,
/// cycles, the parts of switches and ensembles, and every tensor's type and shape from step to step. The first
/// problem is a 400 naming the step and the field.
/// </summary>
public sealed partial class PipelineCompiler(TransformCatalog transforms, IStepFunctions functions)
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex StepName();

    public async Task<CompiledPipeline> CompileAsync(string tenant, PipelineSpec spec, CancellationToken cancellationToken)
    {
        var steps = Structure(spec);
        var order = Order(steps);
        var known = new Dictionary<string, TensorSpec>(StringComparer.Ordinal);
        foreach (var input in spec.Inputs)
        {
            known[TensorRef.InputStep + "." + input.Name] = input;
        }

        foreach (var step in order)
        {
            step.Outputs = step.Kind switch
            {
                StepKind.Switch => SwitchOutputs(step, steps, known),
                StepKind.Ensemble => EnsembleOutputs(step, steps),
                _ => await WorkOutputsAsync(tenant, step, spec, known, cancellationToken),
            };
            foreach (var output in step.Outputs)
            {
                known[step.Name + "." + output.Name] = output;
            }
        }

        if (spec.Outputs.Count == 0)
        {
            throw SpecError.At(null, "outputs", "a pipeline answers with at least one output");
        }

        var outputs = spec.Outputs.Select(o => (o.Key, Reference(o.Value, null, "outputs." + o.Key, steps))).ToArray();
        var outputSpecs = outputs.Select(o => known[o.Item2.ToString()] with { Name = o.Key }).ToArray();
        var compiled = new CompiledPipeline(spec, order, outputs, new ModelSignature(spec.Inputs, outputSpecs));
        compiled.Fusion = FusionPolicies.ByName(spec.Fusion).Plan(compiled);
        return compiled;
    }

    // Names, kinds and references; which steps a switch or ensemble owns.
    private static Dictionary<string, CompiledStep> Structure(PipelineSpec spec)
    {
        if (spec.Steps.Length == 0)
        {
            throw SpecError.At(null, "steps", "a pipeline has at least one step");
        }

        var steps = new Dictionary<string, CompiledStep>(StringComparer.Ordinal);
        foreach (var s in spec.Steps)
        {
            if (!StepName().IsMatch(s.Name) || s.Name == TensorRef.InputStep)
            {
                throw SpecError.At(s.Name, "name", "use 1-63 of a-z, 0-9, '_' or '-' (no dots), and not 'input'");
            }

            if (!steps.TryAdd(s.Name, new CompiledStep(s)))
            {
                throw SpecError.At(s.Name, "name", "two steps have this name");
            }

            var works = s.Kind is StepKind.Sequence or StepKind.Splitter;
            if (works && (s.Function is null) == (s.Transform is null))
            {
                throw SpecError.At(s.Name, s.Function is null ? "function" : "transform", "a sequence or splitter step names exactly one of 'function' and 'transform'");
            }

            if (!works && (s.Function ?? s.Transform) is not null)
            {
                throw SpecError.At(s.Name, s.Function is null ? "transform" : "function", $"a {s.Kind.ToString().ToLowerInvariant()} step runs other steps, not a function or transform of its own");
            }

            if (s.Kind == StepKind.Switch && (s.On is null || s.Cases.Length == 0))
            {
                throw SpecError.At(s.Name, s.On is null ? "on" : "cases", "a switch needs 'on' (the tensor its cases test) and at least one case");
            }

            if (s.Kind == StepKind.Ensemble && (s.Members.Length < 2 || s.Combine is not ("mean" or "max" or "concat")))
            {
                throw SpecError.At(s.Name, s.Members.Length < 2 ? "members" : "combine", "an ensemble combines two or more member steps by mean, max or concat");
            }
        }

        foreach (var step in steps.Values)
        {
            step.Inputs = step.Spec.Inputs.Select(i => (i.Key, Reference(i.Value, step.Name, "inputs." + i.Key, steps))).ToArray();
            if (step.Spec.On is { } on)
            {
                Reference(on, step.Name, "on", steps);
            }

            var field = step.Kind == StepKind.Switch ? "cases" : "members";
            foreach (var owned in step.Owns)
            {
                if (!steps.TryGetValue(owned, out var part))
                {
                    throw SpecError.At(step.Name, field, $"unknown step '{owned}'");
                }

                if (part.Owner is not null || part.Name == step.Name)
                {
                    throw SpecError.At(step.Name, field, $"step '{owned}' already belongs to '{part.Owner ?? step.Name}'");
                }

                part.Owner = step.Name;
            }
        }

        // A switch's case may be skipped: nothing but its owner may read it.
        foreach (var step in steps.Values)
        {
            foreach (var (input, from) in step.Inputs)
            {
                if (steps.TryGetValue(from.Step, out var source) && source.Owner is not null && source.Owner != step.Name)
                {
                    throw SpecError.At(step.Name, "inputs." + input, $"reads '{from}' of a step that belongs to '{source.Owner}'; read '{source.Owner}.{from.Output}' instead");
                }
            }
        }

        foreach (var (name, value) in spec.Outputs)
        {
            if (Reference(value, null, "outputs." + name, steps) is var r && steps.TryGetValue(r.Step, out var s) && s.Owner is not null)
            {
                throw SpecError.At(null, "outputs." + name, $"reads '{r}' of a step that belongs to '{s.Owner}'");
            }
        }

        return steps;
    }

    private static TensorRef Reference(string text, string? step, string field, Dictionary<string, CompiledStep> steps)
    {
        if (!TensorRef.TryParse(text, out var r))
        {
            throw SpecError.At(step, field, $"'{text}' is not a reference: write 'step.output' or 'input.name'");
        }

        if (!r.IsPipelineInput && !steps.ContainsKey(r.Step))
        {
            throw SpecError.At(step, field, $"unknown step '{r.Step}'");
        }

        return r;
    }

    // Kahn's order over "reads from" and "owns" edges; what is left over lies on a cycle.
    private static CompiledStep[] Order(Dictionary<string, CompiledStep> steps)
    {
        var before = steps.Values.ToDictionary(s => s.Name, s => s.ReadsFrom.Concat(s.Owns).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var order = new List<CompiledStep>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (order.Count < steps.Count)
        {
            var ready = steps.Values.Where(s => !done.Contains(s.Name) && before[s.Name].All(done.Contains)).ToList();
            if (ready.Count == 0)
            {
                var stuck = steps.Values.First(s => !done.Contains(s.Name));
                var on = before[stuck.Name].First(d => !done.Contains(d));
                throw SpecError.At(stuck.Name, "inputs", $"the steps form a cycle (through '{on}')");
            }

            foreach (var s in ready)
            {
                done.Add(s.Name);
                order.Add(s);
            }
        }

        return [.. order];
    }
}
