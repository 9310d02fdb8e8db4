using Stoke.Abstractions.Functions;
using static Stoke.Policies.Tests.Eviction.Candidates;

namespace Stoke.Policies.Tests.Eviction;

public sealed class CostAwareEvictionTests
{
    private static readonly DateTimeOffset Now = Specs.T0.AddHours(1);

    // "popular": used 50 times, 20 s to load, idle for 10 minutes. "oneoff": used once, loads in 0.5 s, idle for 1 minute.
    private static readonly Stoke.Abstractions.Policies.EvictionCandidate[] Idle2 =
    [
        Idle("popular", Now.AddMinutes(-10), uses: 50, loadSeconds: 20),
        Idle("oneoff", Now.AddMinutes(-1), uses: 1, loadSeconds: 0.5),
    ];

    [Fact]
    public void KeepsTheFrequentExpensiveInstanceThatLruWouldEvict()
    {
        var catalog = new PolicyCatalog();

        var lru = catalog.CreateEviction(PolicyNames.LruEviction).ChooseVictims(Idle2, GiB, Now);
        var gdsf = catalog.CreateEviction(PolicyNames.CostAwareEviction).ChooseVictims(Idle2, GiB, Now);

        Assert.Equal(["popular"], lru);
        Assert.Equal(["oneoff"], gdsf);
    }

    [Fact]
    public void PrefersEvictingLargeInstancesAtEqualCostAndFrequency()
    {
        var gdsf = new PolicyCatalog().CreateEviction(PolicyNames.CostAwareEviction);
        var small = Idle("small", Now.AddMinutes(-1), memoryGiB: 1);
        var large = Idle("large", Now, memoryGiB: 4);

        Assert.Equal(["large"], gdsf.ChooseVictims([small, large], GiB, Now));
    }

    [Fact]
    public void ClockRisesSoStaleHighPriorityEntriesAgeOut()
    {
        var gdsf = new PolicyCatalog().CreateEviction(PolicyNames.CostAwareEviction);
        // "stale" earned a 10x higher priority than a cheap entrant once, and is never used again.
        var stale = Idle("stale", Now.AddHours(-1), uses: 1, loadSeconds: 10);
        gdsf.OnUse(stale, Now.AddHours(-1));

        var firstRound = new List<string>();
        int round = 0;
        while (round < 30)
        {
            var cheap = Idle("cheap" + round, Now, uses: 1, loadSeconds: 1);
            gdsf.OnUse(cheap, Now);
            var victims = gdsf.ChooseVictims([stale, cheap], GiB, Now);
            if (round == 0)
            {
                firstRound.AddRange(victims);
            }

            if (victims.Contains("stale"))
            {
                break;
            }

            gdsf.OnRemoved(cheap.InstanceId);
            round++;
        }

        // Each eviction lifts the clock by a cheap entrant's value, so after about ten the stale entry is the lowest.
        Assert.Equal(["cheap0"], firstRound);
        Assert.InRange(round, 5, 15);
    }
}
