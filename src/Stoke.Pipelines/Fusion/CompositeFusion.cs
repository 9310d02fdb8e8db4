using Stoke.Abstractions.Functions;
using Stoke.Pipelines.Graph;
using Stoke.Pipelines.Spec;

namespace Stoke.Pipelines.Fusion;

/// <summary>
/// The part of <c>auto</c> that serves consecutive function steps with one composite instance: step B reads only step
/// A, only B reads A (no other step, no pipeline output), both are the pipeline's own <c>sequence</c> steps pinned to a
/// version, both are plain ONNX functions, and their models together hold at most <c>maxFusedMb</c>. Then B always runs
/// right after A on A's outputs alone, so one graph joined from both models (built at deploy from the pinned
/// artifacts) gives B's outputs from A's inputs in one call: no hop, no batch queue and no tensor copy between them.
/// Chains of more than two steps fuse the same way.
/// </summary>
internal static class CompositeFusion
{
    /// <summary>Each composite: its function steps in the order they run.</summary>
    public static List<CompiledStep[]> Chains(CompiledPipeline pipeline)
    {
        var chains = new List<List<CompiledStep>>();
        foreach (var (from, to) in FusionEdges.Of(pipeline))
        {
            if (WhyNotPair(pipeline, from, to) is not null)
            {
                continue;
            }

            // A is read by B alone, so at most one chain ends with A.
            var chain = chains.FirstOrDefault(c => c[^1] == from);
            if (chain is null)
            {
                chain = [from];
                chains.Add(chain);
            }

            if (Bytes([.. chain, to]) <= Limit(pipeline))
            {
                chain.Add(to);
            }
        }

        return [.. chains.Where(c => c.Count > 1).Select(c => c.ToArray())];
    }

    public static FusedGroup Group(CompiledPipeline pipeline, CompiledStep[] chain) => new(
        string.Join("+", chain.Select(s => s.Name)),
        [.. chain.Select(s => s.Name)],
        string.Join(", ", chain.Skip(1).Select((s, i) => $"'{s.Name}' reads only '{chain[i].Name}' and is all that reads it")) +
        $"; pinned ONNX functions of {Mb(Bytes(chain))} MiB together (maxFusedMb {Mb(pipeline.Spec.MaxFusedMb)}): one composite graph joined from their models serves them in one call on one instance, with no hop between them")
    { Composite = true };

    /// <summary>Why function steps <paramref name="from"/> and <paramref name="to"/> are not served by one composite.</summary>
    public static string WhyNot(CompiledPipeline pipeline, CompiledStep from, CompiledStep to) =>
        WhyNotPair(pipeline, from, to)
        ?? $"together with what they fuse with, '{from.Name}' and '{to.Name}' would hold more than maxFusedMb {Mb(pipeline.Spec.MaxFusedMb)} MiB of models";

    private static string? WhyNotPair(CompiledPipeline pipeline, CompiledStep from, CompiledStep to)
    {
        foreach (var step in new[] { from, to })
        {
            if (step.Spec.Function is not { } function || step.Function is not { } spec)
            {
                return $"'{step.Name}' does not call a function";
            }

            if (step.Owner is not null || step.Kind != StepKind.Sequence)
            {
                return step.Owner is { } owner ? $"'{step.Name}' belongs to '{owner}'" : $"'{step.Name}' is a {step.Kind.ToString().ToLowerInvariant()}: it fans out one call per row";
            }

            if (step.Spec.Version is null)
            {
                return $"'{step.Name}' follows the latest version of '{function}': only steps pinned to a version fuse, since the composite is built once from fixed models";
            }

            if (spec.Engine != "onnx" || spec.Tokenizer is not null || spec.Stream is not null)
            {
                return $"'{function}' is not a plain ONNX function (engine {spec.Engine}{(spec.Tokenizer is null ? "" : ", with a tokenizer")}{(spec.Stream is null ? "" : ", stateful")})";
            }
        }

        if (!from.Function!.Labels.OrderBy(l => l.Key).SequenceEqual(to.Function!.Labels.OrderBy(l => l.Key)))
        {
            return $"'{from.Name}' and '{to.Name}' ask for different placement labels";
        }

        if (to.Spec.On is not null || to.Inputs.Any(i => i.From.Step != from.Name))
        {
            return $"'{to.Name}' also reads something other than '{from.Name}'";
        }

        if (pipeline.Steps.Any(s => s != to && s.ReadsFrom.Contains(from.Name)) || pipeline.Outputs.Any(o => o.From.Step == from.Name))
        {
            return $"'{from.Name}' is read by more than '{to.Name}'";
        }

        if (to.Function!.Signature.Outputs.FirstOrDefault(o => from.Function!.Signature.Inputs.Any(i => i.Name == o.Name)) is { } clash)
        {
            return $"'{to.Name}' gives '{clash.Name}', the name of an input of '{from.Name}': one graph cannot have both";
        }

        return Bytes([from, to]) > Limit(pipeline)
            ? $"'{from.Name}' and '{to.Name}' hold {Mb(Bytes([from, to]))} MiB of models together, more than maxFusedMb {Mb(pipeline.Spec.MaxFusedMb)} MiB"
            : null;
    }

    private static long Bytes(IEnumerable<CompiledStep> chain) => chain.Sum(s => s.Function!.Artifact.SizeBytes);

    private static double Limit(CompiledPipeline pipeline) => pipeline.Spec.MaxFusedMb * (1 << 20);

    private static string Mb(long bytes) => Mb(bytes / (double)(1 << 20));

    private static string Mb(double mb) => mb.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
