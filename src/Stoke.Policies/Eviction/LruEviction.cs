using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Eviction;

/// <summary>The baseline eviction: least recently used idle instances go first until enough memory is freed.</summary>
internal sealed class LruEviction : IEvictionPolicy
{
    private readonly Dictionary<string, DateTimeOffset> _lastUse = new(StringComparer.Ordinal);

    public string Name => PolicyNames.LruEviction;

    public void OnUse(EvictionCandidate instance, DateTimeOffset now) => _lastUse[instance.InstanceId] = now;

    public void OnRemoved(string instanceId) => _lastUse.Remove(instanceId);

    public IReadOnlyList<string> ChooseVictims(IReadOnlyList<EvictionCandidate> idle, long bytesNeeded, DateTimeOffset now)
    {
        var ordered = idle
            .OrderBy(LastUse)
            .ThenBy(c => c.InstanceId, StringComparer.Ordinal);
        return Victims.TakeUntil(ordered, bytesNeeded);
    }

    // The candidate's own timestamp may lag the uses reported to this policy; the later of the two wins.
    private DateTimeOffset LastUse(EvictionCandidate candidate) =>
        _lastUse.TryGetValue(candidate.InstanceId, out var seen) && seen > candidate.LastUsed ? seen : candidate.LastUsed;
}
