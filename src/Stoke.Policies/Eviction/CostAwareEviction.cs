using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Eviction;

/// <summary>
/// Greedy-Dual-Size-Frequency keep-alive as in FaasCache (Fuerst and Sharma, ASPLOS'21): an instance's priority
/// is clock + frequency * load cost / size; the lowest goes first and the clock rises to its priority, so
/// instances that are used often and are expensive to reload stay while cheap, rarely used ones age out.
/// </summary>
internal sealed class CostAwareEviction : IEvictionPolicy
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private double _clock;

    public string Name => PolicyNames.CostAwareEviction;

    public void OnUse(EvictionCandidate instance, DateTimeOffset now)
    {
        long frequency = _entries.TryGetValue(instance.InstanceId, out var entry) ? entry.Frequency + 1 : Math.Max(1, instance.Uses);
        _entries[instance.InstanceId] = new Entry(frequency, Priority(frequency, instance));
    }

    public void OnRemoved(string instanceId) => _entries.Remove(instanceId);

    public IReadOnlyList<string> ChooseVictims(IReadOnlyList<EvictionCandidate> idle, long bytesNeeded, DateTimeOffset now)
    {
        var ranked = idle
            .Select(c => (Candidate: c, Priority: PriorityOf(c)))
            .OrderBy(x => x.Priority)
            .ThenBy(x => x.Candidate.LastUsed)
            .ThenBy(x => x.Candidate.InstanceId, StringComparer.Ordinal)
            .ToList();
        var victims = Victims.TakeUntil(ranked.Select(x => x.Candidate), bytesNeeded);
        if (victims.Count > 0)
        {
            // Inflation: later entrants start from the last evicted priority, which ages out stale high-priority entries.
            _clock = Math.Max(_clock, ranked[victims.Count - 1].Priority);
        }

        return victims;
    }

    private double PriorityOf(EvictionCandidate candidate) =>
        _entries.TryGetValue(candidate.InstanceId, out var entry)
            ? entry.Priority
            : Priority(Math.Max(1, candidate.Uses), candidate);

    private double Priority(long frequency, EvictionCandidate candidate)
    {
        // Cost in seconds of load time, size in MiB: the ratio only has to rank instances against each other.
        double sizeMiB = Math.Max(1, candidate.MemoryBytes / (1024.0 * 1024.0));
        return _clock + frequency * candidate.LoadTime.TotalSeconds / sizeMiB;
    }

    private readonly record struct Entry(long Frequency, double Priority);
}
