using System.Security.Cryptography;
using System.Text;
using Stoke.Abstractions.Functions;
using Stoke.Pipelines.Graph;

namespace Stoke.Pipelines.Fusion;

/// <summary>
/// The function that serves a composite group: deployed with its pipeline (named after it and the group, labelled as
/// the pipeline's in <see cref="FunctionSpec.Derived"/>), scaled, kept alive and metered like any function, and deleted
/// with the pipeline. <see cref="DerivedFrom.Sources"/> names the pinned step functions it was joined from, so a
/// pipeline version only calls a composite built from its own pins.
/// </summary>
public static class CompositeFunctions
{
    /// <summary><c>PIPELINE.FIRST.LAST</c> (e.g. <c>cls.part1.part2</c>); a name too long for a function ends in a hash instead.</summary>
    public static string NameOf(string pipeline, FusedGroup group)
    {
        var name = $"{pipeline}.{group.Steps[0]}.{group.Steps[^1]}";
        if (name.Length <= 63)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];
        return $"{pipeline[..Math.Min(pipeline.Length, 50)]}.{hash}";
    }

    /// <summary>Each step and the pinned function version it calls: <c>part1=cls-part1 v1, part2=cls-part2 v1</c>.</summary>
    public static string SourcesOf(CompiledPipeline pipeline, FusedGroup group) =>
        string.Join(", ", group.Steps.Select(s => pipeline.ByName[s]).Select(s => $"{s.Name}={s.Spec.Function} v{s.Spec.Version}"));

    /// <summary>True when <paramref name="function"/> is the composite of this pipeline's group, built from these pins.</summary>
    public static bool Serves(FunctionSpec function, string pipeline, string sources) =>
        function.Derived is { } derived && derived.Pipeline == pipeline && derived.Sources == sources;
}
