namespace Stoke.Abstractions.Policies;

/// <summary>An idle instance that eviction may release (a value: a replay hands one to <see cref="IEvictionPolicy.OnUse"/> per request).</summary>
public readonly record struct EvictionCandidate(
    string InstanceId,
    string FunctionKey,
    long MemoryBytes,
    DateTimeOffset LastUsed,
    long Uses,
    TimeSpan LoadTime);

/// <summary>Per-node eviction state: picks which idle instances go when memory is needed.</summary>
public interface IEvictionPolicy
{
    string Name { get; }

    /// <summary>Tells the policy an instance served a request (greedy-dual and LRU both learn from this).</summary>
    void OnUse(EvictionCandidate instance, DateTimeOffset now);

    /// <summary>Tells the policy an instance is gone.</summary>
    void OnRemoved(string instanceId);

    /// <summary>Victims, in order, whose memory adds up to at least <paramref name="bytesNeeded"/>; empty when they cannot.</summary>
    IReadOnlyList<string> ChooseVictims(IReadOnlyList<EvictionCandidate> idle, long bytesNeeded, DateTimeOffset now);
}
