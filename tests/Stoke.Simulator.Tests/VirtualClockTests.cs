using Stoke.Simulator.Time;

namespace Stoke.Simulator.Tests;

public sealed class VirtualClockTests
{
    private static readonly DateTimeOffset Start = new(2024, 11, 15, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FiresTimersInDueOrderAtTheirOwnTimes()
    {
        var clock = new VirtualClock(Start);
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow())), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow())), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal([("early", Start.AddSeconds(10)), ("late", Start.AddSeconds(30))], fired);
    }

    [Fact]
    public void PeriodicTimerFiresOncePerPeriodAndStopsWhenDisposed()
    {
        var clock = new VirtualClock(Start);
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

        clock.Advance(TimeSpan.FromSeconds(10));
        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(5, count);
    }

    [Fact]
    public void ReArmedTimerFiresOnlyAtItsNewTime()
    {
        var clock = new VirtualClock(Start);
        var fired = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        timer.Change(TimeSpan.FromSeconds(8), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal([Start.AddSeconds(8)], fired);
    }

    [Fact]
    public void TaskDelayOnTheVirtualClockCompletesOnlyWhenTimeIsAdvanced()
    {
        var clock = new VirtualClock(Start);
        var delay = Task.Delay(TimeSpan.FromMinutes(5), clock, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(4));
        var before = delay.IsCompleted;

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.False(before);
        Assert.True(delay.IsCompleted);
    }
}
