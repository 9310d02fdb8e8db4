using Stoke.Policies.Autoscaling;

namespace Stoke.Policies.Tests.Autoscaling;

public sealed class TimeWindowTests
{
    private static readonly DateTimeOffset T0 = Specs.T0;

    // What a window must answer: the samples with at in (now - window, now], summed oldest first.
    private static (double Average, double Max) Naive(IEnumerable<(int Second, double Value)> kept, int now, int window)
    {
        var inside = kept.Where(s => s.Second > now - window && s.Second <= now).Select(s => s.Value).ToList();
        return (inside.Count == 0 ? 0 : inside.Aggregate(0.0, (sum, v) => sum + v) / inside.Count, inside.Count == 0 ? 0 : Math.Max(0, inside.Max()));
    }

    [Fact]
    public void ReadsTheTrailingWindowAsAScanOfAllSamplesWould()
    {
        var window = new TimeWindow(TimeSpan.FromSeconds(60));
        List<(int Second, double Value)> added = [];
        for (var second = 0; second < 300; second += second % 7 == 0 ? 5 : 2)
        {
            var value = (second * 7919 % 13) / 3.0;
            window.Add(T0.AddSeconds(second), value);
            added.Add((second, value));
            foreach (var (now, width) in new[] { (second, 60), (second, 6), (second - 3, 10), (second + 4, 30) })
            {
                Assert.Equal(Naive(added.Where(s => s.Second > second - 60), now, width), (window.Average(T0.AddSeconds(now), TimeSpan.FromSeconds(width)), window.Max(T0.AddSeconds(now), TimeSpan.FromSeconds(width))));
            }
        }
    }

    [Fact]
    public void ReadsSamplesAddedOutOfTimeOrder()
    {
        var window = new TimeWindow(TimeSpan.FromSeconds(60));
        (int Second, double Value)[] added = [(10, 1), (30, 8), (20, 2), (40, 4), (25, 16)];
        foreach (var (second, value) in added)
        {
            window.Add(T0.AddSeconds(second), value);
        }

        Assert.Equal(Naive(added, 30, 12), (window.Average(T0.AddSeconds(30), TimeSpan.FromSeconds(12)), window.Max(T0.AddSeconds(30), TimeSpan.FromSeconds(12))));
    }

    // A forecast of a run of zeros reads, at each length, the very double the window gives once the zeros are added:
    // after irregular gaps, with nonzero samples leaving, through the window's start, and beyond every sample.
    [Theory]
    [InlineData(60, 2)]
    [InlineData(6, 2)]
    [InlineData(10, 3)]
    public void ForecastsARunOfZerosAsAddingThemWould(int windowSeconds, int stepSeconds)
    {
        var width = TimeSpan.FromSeconds(windowSeconds);
        for (var end = 20; end < 200; end += 17)
        {
            var forecast = new TimeWindow(TimeSpan.FromSeconds(60));
            var added = new TimeWindow(TimeSpan.FromSeconds(60));
            var last = 0;
            for (var second = 0; second <= end; second += second % 5 == 0 ? 3 : 1)
            {
                var value = second % 4 == 0 ? 0 : (second * 7919 % 13) / 3.0;
                forecast.Add(T0.AddSeconds(second), value);
                added.Add(T0.AddSeconds(second), value);
                last = second;
            }

            var from = T0.AddSeconds(last).UtcTicks;
            var step = TimeSpan.FromSeconds(stepSeconds).Ticks;
            for (var k = 1; k <= 40; k++)
            {
                var at = new DateTimeOffset(from + (k * step), TimeSpan.Zero);
                added.Add(at, 0);
                Assert.Equal(added.Average(at, width), forecast.AverageWithZeros(from, step, k, width));
            }
        }
    }

    // A run of zeros taken in at once (runs longer than the span drop most of theirs unadded) leaves the window as
    // adding them one by one does: every later read and every later sample agree.
    [Theory]
    [InlineData(3, 2)]
    [InlineData(30, 2)]
    [InlineData(31, 2)]
    [InlineData(200, 2)]
    [InlineData(7, 9)]
    public void TakesARunOfZerosInAsAddingThemOneByOne(int zeros, int stepSeconds)
    {
        var atOnce = new TimeWindow(TimeSpan.FromSeconds(60));
        var oneByOne = new TimeWindow(TimeSpan.FromSeconds(60));
        for (var second = 0; second <= 50; second += second % 5 == 0 ? 3 : 2)
        {
            var value = (second * 7919 % 13) / 3.0;
            atOnce.Add(T0.AddSeconds(second), value);
            oneByOne.Add(T0.AddSeconds(second), value);
        }

        var from = T0.AddSeconds(50).UtcTicks;
        var step = TimeSpan.FromSeconds(stepSeconds).Ticks;
        atOnce.AddZeros(from, step, zeros);
        for (var k = 1; k <= zeros; k++)
        {
            oneByOne.Add(new DateTimeOffset(from + (k * step), TimeSpan.Zero), 0);
        }

        // A sample just after the run: a read over the span then counts every zero still inside it.
        var end = from + (zeros * step) + 1;
        atOnce.Add(new DateTimeOffset(end, TimeSpan.Zero), 1);
        oneByOne.Add(new DateTimeOffset(end, TimeSpan.Zero), 1);
        for (var extra = 0; extra < 40; extra++)
        {
            var at = new DateTimeOffset(end + (extra * TimeSpan.TicksPerSecond), TimeSpan.Zero);
            foreach (var width in new[] { 6, 60 })
            {
                var w = TimeSpan.FromSeconds(width);
                Assert.Equal(oneByOne.Average(at, w), atOnce.Average(at, w));
                Assert.Equal(oneByOne.Max(at, w), atOnce.Max(at, w));
            }

            Assert.Equal(oneByOne.SpacedAtLeast(step), atOnce.SpacedAtLeast(step));
            var value = extra % 3 == 0 ? 0 : extra / 4.0;
            atOnce.Add(at, value);
            oneByOne.Add(at, value);
        }
    }

    [Fact]
    public void ForecastsNothingForSamplesAddedOutOfOrder()
    {
        var window = new TimeWindow(TimeSpan.FromSeconds(60));
        window.Add(T0.AddSeconds(10), 1);
        window.Add(T0.AddSeconds(5), 2);

        Assert.Null(window.AverageWithZeros(T0.AddSeconds(10).UtcTicks, TimeSpan.FromSeconds(2).Ticks, 1, TimeSpan.FromSeconds(60)));
        Assert.False(window.SpacedAtLeast(1));
    }

    // The bisection of a quiet run relies on this: over samples a step apart or more, the forecast mean never rises.
    [Fact]
    public void ForecastNeverRisesOverSamplesSpacedAStepApart()
    {
        var step = TimeSpan.FromSeconds(2).Ticks;
        var window = new TimeWindow(TimeSpan.FromSeconds(60));
        for (var second = 0; second <= 58; second += second % 3 == 0 ? 2 : 5)
        {
            window.Add(T0.AddSeconds(second), (second * 7919 % 13) / 7.0);
        }

        Assert.True(window.SpacedAtLeast(step));
        Assert.False(window.SpacedAtLeast(step * 2));
        foreach (var width in new[] { 6, 60 })
        {
            var previous = double.MaxValue;
            for (var k = 1; k <= 40; k++)
            {
                var mean = window.AverageWithZeros(T0.AddSeconds(58).UtcTicks, step, k, TimeSpan.FromSeconds(width))!.Value;
                Assert.True(mean <= previous, $"k={k} window={width}: {mean} > {previous}");
                previous = mean;
            }
        }
    }
}
