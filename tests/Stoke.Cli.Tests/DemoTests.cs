using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Stoke.Cli.Demo;
using Stoke.Cli.Tests.Support;
using Stoke.Client;

namespace Stoke.Cli.Tests;

public sealed partial class DemoTests
{
    [Fact]
    public async Task DemoWithoutATerminalAnswersEveryRequestItSends()
    {
        var (code, output) = await CliRun.InvokeAsync("demo", "--duration", "8");

        var counts = CountsLine().Match(output);
        Assert.True(counts.Success, output);
        var (sent, ok, failed) = (Int(counts, "sent"), Int(counts, "ok"), Int(counts, "failed"));
        Assert.True(code == 0 && sent > 0 && ok == sent && failed == 0, $"exit {code}: {sent} sent, {ok} succeeded, {failed} failed\n{output}");
    }

    [Fact]
    public void OneFailedRequestFailsTheDemoNamingItsFunctionAndStatus()
    {
        var minilm = Stats("minilm", ok: 40);
        minilm.Record(Response(HttpStatusCode.ServiceUnavailable), 10);
        var resnet = Stats("resnet18", ok: 3);

        var outcome = DemoOutcome.Of([minilm, resnet]);

        Assert.False(outcome.Passed);
        Assert.Equal("1 of 44 demo requests failed (minilm 503:1).", outcome.Failure);
    }

    [Fact]
    public void DemoWithNoAnsweredRequestFails()
    {
        var outcome = DemoOutcome.Of([new DemoStats("minilm")]);

        Assert.False(outcome.Passed);
        Assert.Equal("No demo request succeeded.", outcome.Failure);
    }

    [Fact]
    public void DemoWhoseRequestsAllSucceededPasses()
    {
        var outcome = DemoOutcome.Of([Stats("minilm", ok: 40), Stats("resnet18", ok: 3)]);

        Assert.Null(outcome.Failure);
        Assert.Equal("demo: 43 requests, 43 succeeded, 0 failed", outcome.Counts);
    }

    private static int Int(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    private static DemoStats Stats(string function, int ok)
    {
        var stats = new DemoStats(function);
        for (var i = 0; i < ok; i++)
        {
            stats.Record(Response(HttpStatusCode.OK), 10);
        }

        return stats;
    }

    private static InferResponse Response(HttpStatusCode status, params (string Name, string Value)[] headers) =>
        new(status, headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase), []);

    [GeneratedRegex(@"^demo: (?<sent>\d+) requests, (?<ok>\d+) succeeded, (?<failed>\d+) failed\s*$", RegexOptions.Multiline)]
    private static partial Regex CountsLine();
}
