using Stoke.Simulator.Traces;

namespace Stoke.Simulator.Tests;

/// <summary>Which ServeGen clients <c>MaxClients</c> keeps: name order, the busiest in the period, or a seeded draw.</summary>
public sealed class ServeGenSelectionTests
{
    private static readonly ServeGenOptions Period = new() { Start = TimeSpan.FromHours(36), Duration = TimeSpan.FromMinutes(30), RateScale = 0.01, MaxClients = 3 };

    [Fact]
    public void LargestKeepsTheClientsWithTheMostRequestsInThePeriod()
    {
        var all = Clients(Period with { MaxClients = 0 });
        var largest = Clients(Period with { Selection = ClientSelection.Largest });
        var first = Clients(Period with { Selection = ClientSelection.First });

        Assert.Equal(3, largest.Count);
        Assert.NotEqual(first.Keys.Order(), largest.Keys.Order());
        // Each kept client is busier than every client left out (the generated counts follow the expected ones).
        var smallestKept = largest.Keys.Min(c => all[c]);
        var largestLeftOut = all.Where(c => !largest.ContainsKey(c.Key)).Max(c => c.Value);
        Assert.True(smallestKept >= largestLeftOut * 0.8, $"kept {smallestKept}, left out one with {largestLeftOut}");
        Assert.True(largest.Values.Sum() > first.Values.Sum());
    }

    [Fact]
    public void RandomDrawDependsOnTheSeedOnly()
    {
        var a = Clients(Period with { Selection = ClientSelection.Random, Seed = 1 }).Keys.Order().ToList();
        var again = Clients(Period with { Selection = ClientSelection.Random, Seed = 1 }).Keys.Order().ToList();
        var draws = Enumerable.Range(2, 5).Select(seed => Clients(Period with { Selection = ClientSelection.Random, Seed = seed }).Keys.Order().ToList()).ToList();

        // (A drawn client may be silent in the period: at most three clients generate requests.)
        Assert.InRange(a.Count, 1, 3);
        Assert.Equal(a, again);
        Assert.Contains(draws, d => !d.SequenceEqual(a));
    }

    private static Dictionary<string, int> Clients(ServeGenOptions options) =>
        ServeGenTraceReader.Read(TracePaths.ServeGenSmall, options).GroupBy(r => r.Function).ToDictionary(g => g.Key, g => g.Count());
}
