using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Routing;

/// <summary>
/// Sticky routing by a client key (the <c>Stoke-Affinity-Key</c> header: a session, a user, a conversation), so
/// requests of one key reach the instance whose caches hold its state. Rendezvous (highest-random-weight) hashing:
/// every candidate gets a score hash(key, instance) and the highest wins, so when an instance comes or goes only the
/// keys that lived on it move. Without a key it is least-requests.
/// </summary>
internal sealed class AffinityRouting : IRoutingPolicy
{
    public string Name => PolicyNames.Affinity;

    public int Pick(ReadOnlySpan<RouteCandidate> candidates, in RoutingContext context)
    {
        if (context.AffinityKey is not { Length: > 0 } key)
        {
            return LeastRequestsRouting.Least(candidates);
        }

        var best = 0;
        var bestScore = 0UL;
        for (var i = 0; i < candidates.Length; i++)
        {
            var score = Score(key, candidates[i].InstanceId);
            if (i == 0 || score > bestScore)
            {
                best = i;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>A stable 64-bit hash of the pair, the same on every node and in every process.</summary>
    public static ulong Score(string key, string instanceId)
    {
        var hash = new XxHash64();
        hash.Append(MemoryMarshal.AsBytes(key.AsSpan()));
        hash.Append([0]);
        hash.Append(MemoryMarshal.AsBytes(instanceId.AsSpan()));
        return hash.GetCurrentHashAsUInt64();
    }
}
