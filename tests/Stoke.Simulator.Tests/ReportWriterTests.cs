using Stoke.Simulator.Results;

namespace Stoke.Simulator.Tests;

public sealed class ReportWriterTests
{
    private static SimulationReport Report() => new(
        "fixed 5m",
        "autoscaler=kpa keep-alive=fixed",
        new RunResult("*", 10, 9, 1, 2, 100, 900, 0.8, 36, 120, 960, 0.016m, 3, 0),
        [new RunResult("f,1", 10, 9, 1, 2, 100, 900, 0.8, 36, 120, 960, 0.016m, 3, 0)],
        TimeSpan.FromHours(1),
        0);

    [Fact]
    public void CsvHasATotalRowAndQuotesNamesWithCommas()
    {
        var writer = new StringWriter();

        ReportWriter.WriteCsv(writer, [Report()]);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("fixed 5m,autoscaler=kpa keep-alive=fixed,*,10,9,1,2,0.2,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",\"f,1\",", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyHistogramPercentilesAreWithinTwoPercent()
    {
        var h = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            h.Add(ms);
        }

        Assert.InRange(h.Percentile(0.5), 490, 510);
        Assert.InRange(h.Percentile(0.99), 970, 1010);
    }

    [Fact]
    public void LatencyHistogramsMergedFromDisjointRangesAnswerAsOne()
    {
        var low = new LatencyHistogram();
        var high = new LatencyHistogram();
        var one = new LatencyHistogram();
        foreach (var ms in new[] { 0.001, 0.5, 3.0, 2.0, 0.02 })
        {
            low.Add(ms);
            one.Add(ms);
        }

        foreach (var ms in new[] { 90_000.0, 5_000.0, 1e12, 60_000.0 })
        {
            high.Add(ms);
            one.Add(ms);
        }

        var merged = new LatencyHistogram();
        merged.Add(high);
        merged.Add(new LatencyHistogram());
        merged.Add(low);

        double[] quantiles = [0, 0.1, 0.3, 0.5, 0.6, 0.9, 0.99, 1];
        Assert.Equal(quantiles.Select(one.Percentile), quantiles.Select(merged.Percentile));
    }
}
