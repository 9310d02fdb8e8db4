using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Stoke.Runtime.Hosting;
using Stoke.Runtime.Memory;

namespace Stoke.Runtime.Tests.Memory;

/// <summary>An idle node gives a settled burst's memory back once: not while it is busy, not again without a new burst.</summary>
public sealed class IdleCompactionTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void CompactsOnceABurstHasSettled()
    {
        var rule = new CompactionRule(burstBytes: 32 * MiB, quietBytes: 2 * MiB);

        Assert.False(rule.ShouldCompact(40 * MiB)); // the burst is still going (40 MiB since the last check)
        Assert.True(rule.ShouldCompact(41 * MiB)); // quiet now, and 41 MiB since the process started
        Assert.False(rule.ShouldCompact(41 * MiB)); // nothing new to give back
        Assert.False(rule.ShouldCompact(42 * MiB));
    }

    [Fact]
    public void NeitherABusyNodeNorASmallBurstCompacts()
    {
        var rule = new CompactionRule(burstBytes: 32 * MiB, quietBytes: 2 * MiB);

        for (var total = 0L; total < 200 * MiB; total += 3 * MiB)
        {
            Assert.False(rule.ShouldCompact(total)); // 3 MiB every check: never quiet
        }

        var small = new CompactionRule(burstBytes: 32 * MiB, quietBytes: 2 * MiB);
        Assert.False(small.ShouldCompact(20 * MiB));
        Assert.False(small.ShouldCompact(21 * MiB)); // quiet, but only 21 MiB since the start
    }

    [Fact]
    public async Task TheNodesTimerRunsTheCollection()
    {
        var clock = new FakeTimeProvider();
        using var compaction = new IdleCompaction(Options.Create(new StokeNodeOptions { CompactionCheck = TimeSpan.FromSeconds(10) }), clock, NullLogger<IdleCompaction>.Instance);
        await compaction.StartAsync(CancellationToken.None);
        var garbage = new List<byte[]>();
        for (var i = 0; i < 40; i++)
        {
            garbage.Add(new byte[MiB]);
        }

        garbage.Clear();
        var fullCollections = GC.CollectionCount(GC.MaxGeneration);
        clock.Advance(TimeSpan.FromSeconds(10)); // sees the burst
        clock.Advance(TimeSpan.FromSeconds(10)); // quiet: compacts

        Assert.Equal(1, compaction.Compactions);
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > fullCollections);
        await compaction.StopAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, compaction.Compactions);
    }
}
