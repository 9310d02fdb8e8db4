using Stoke.Abstractions.Functions;
using static Stoke.Policies.Tests.Eviction.Candidates;

namespace Stoke.Policies.Tests.Eviction;

public sealed class LruEvictionTests
{
    private static readonly DateTimeOffset Now = Specs.T0.AddHours(1);

    [Fact]
    public void EvictsOldestLastUseFirstUntilEnoughBytes()
    {
        var lru = new PolicyCatalog().CreateEviction(PolicyNames.LruEviction);
        var idle = new[]
        {
            Idle("recent", Now.AddMinutes(-1)),
            Idle("oldest", Now.AddMinutes(-30)),
            Idle("older", Now.AddMinutes(-10)),
        };

        Assert.Equal(["oldest", "older"], lru.ChooseVictims(idle, 2 * GiB, Now));
    }

    [Fact]
    public void ReturnsNothingWhenAllIdleMemoryIsNotEnough()
    {
        var lru = new PolicyCatalog().CreateEviction(PolicyNames.LruEviction);

        Assert.Empty(lru.ChooseVictims([Idle("a", Now), Idle("b", Now)], 3 * GiB, Now));
    }

    [Fact]
    public void LearnsUsesReportedAfterTheSnapshot()
    {
        var lru = new PolicyCatalog().CreateEviction(PolicyNames.LruEviction);
        var a = Idle("a", Now.AddMinutes(-30));
        var b = Idle("b", Now.AddMinutes(-10));
        lru.OnUse(a, Now.AddMinutes(-1));

        Assert.Equal(["b"], lru.ChooseVictims([a, b], GiB, Now));
    }
}
