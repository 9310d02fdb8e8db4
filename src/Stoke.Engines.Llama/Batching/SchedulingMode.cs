namespace Stoke.Engines.Llama;

/// <summary>How an engine interleaves concurrent generations.</summary>
public enum SchedulingMode
{
    /// <summary>All admitted sequences decode together, one token each per step; new ones join between steps.</summary>
    ContinuousBatching,

    /// <summary>One generation at a time, the rest wait: the baseline continuous batching is measured against.</summary>
    Sequential,
}
