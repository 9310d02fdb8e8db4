using Stoke.Abstractions.Instances;

namespace Stoke.Control.Controller;

/// <summary>One instance as its controller knows it. The in-flight count is exact only for what the controller itself
/// routed; nodes correct it with their own counts (every tick, and on each freed slot while requests are held).</summary>
public sealed class ControlledInstance
{
    internal ControlledInstance(string id, string nodeId, DateTimeOffset startedAt)
    {
        Id = id;
        NodeId = nodeId;
        StartedAt = startedAt;
        LastUsed = startedAt;
    }

    public string Id { get; }

    public string NodeId { get; }

    public InstancePhase Phase { get; internal set; } = InstancePhase.Loading;

    public int InFlight { get; internal set; }

    public int QueueDepth { get; internal set; }

    public long Uses { get; internal set; }

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset LastUsed { get; internal set; }

    public ColdStartReport? ColdStart { get; internal set; }

    /// <summary>When it started draining (no longer routed to, being stopped).</summary>
    public DateTimeOffset? DrainingSince { get; internal set; }
}
