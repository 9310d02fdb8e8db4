using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Registry;

/// <summary>
/// A tenant's deploy caps checked against its registry's live versions: a new name past <c>MaxFunctions</c> is 403,
/// artifact bytes past <c>MaxArtifactBytes</c> 413. Artifacts are content-addressed, so bytes the tenant already
/// stores count once, also when a new version brings them again.
/// </summary>
internal static class DeployCaps
{
    /// <param name="functions">The tenant's functions with at least one live version.</param>
    /// <param name="names">The names the deploy registers.</param>
    /// <param name="artifacts">The deploy's artifacts, SHA-256 to size.</param>
    public static void Check(string tenant, IReadOnlyList<FunctionRecord> functions, IReadOnlyCollection<string> names, IReadOnlyDictionary<string, long> artifacts, int maxFunctions, long maxArtifactBytes)
    {
        var added = names.Distinct(StringComparer.Ordinal).Count(n => !functions.Any(f => f.Name == n));
        if (maxFunctions > 0 && added > 0 && functions.Count + added > maxFunctions)
        {
            throw new StokeException(StokeErrorKind.Forbidden, added == 1
                ? $"Tenant '{tenant}' has {functions.Count} functions, its limit (MaxFunctions {maxFunctions}): delete one, or ask an operator to raise it."
                : $"Tenant '{tenant}' has {functions.Count} functions; this deploy adds {added}, past its limit (MaxFunctions {maxFunctions}): delete some, or ask an operator to raise it.");
        }

        if (maxArtifactBytes == 0)
        {
            return;
        }

        var held = functions.SelectMany(f => f.Versions)
            .SelectMany(v => v.Tokenizer is { } t ? new[] { v.Artifact, t.Artifact } : [v.Artifact])
            .DistinctBy(a => a.Sha256).ToDictionary(a => a.Sha256, a => a.SizeBytes, StringComparer.Ordinal);
        var stored = held.Values.Sum();
        var adding = artifacts.Where(a => !held.ContainsKey(a.Key)).Sum(a => a.Value);
        if (stored + adding > maxArtifactBytes)
        {
            throw new StokeException(StokeErrorKind.PayloadTooLarge,
                $"Tenant '{tenant}' stores {stored} artifact bytes; this deploy's {adding} new bytes would pass its limit (MaxArtifactBytes {maxArtifactBytes}).");
        }
    }

    /// <summary>A spec's artifacts, SHA-256 to size.</summary>
    public static Dictionary<string, long> ArtifactsOf(FunctionSpec spec)
    {
        var artifacts = new Dictionary<string, long>(StringComparer.Ordinal) { [spec.Artifact.Sha256] = spec.Artifact.SizeBytes };
        if (spec.Tokenizer is { } tokenizer)
        {
            artifacts[tokenizer.Artifact.Sha256] = tokenizer.Artifact.SizeBytes;
        }

        return artifacts;
    }
}
