namespace Stoke.Runtime.Artifacts;

/// <summary>Names of the tiers a cold start can load from, as reported in metrics and usage records.</summary>
public static class ArtifactTier
{
    public const string Repository = "repository";
    public const string Memory = "memory";
}
