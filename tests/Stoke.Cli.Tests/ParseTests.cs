using Stoke.Cli.Parsing;
using Stoke.Cli.Tests.Support;

namespace Stoke.Cli.Tests;

public sealed class ParseTests
{
    [Theory]
    [InlineData("deploy cls --model m.onnx --max-batch 0", "--max-batch must be at least 1")]
    [InlineData("deploy cls", "exactly one of --model FILE or --sample NAME")]
    [InlineData("deploy cls --sample nope", "nope")]
    [InlineData("deploy cls --model m.onnx --label nokey", "--label takes key=value")]
    [InlineData("deploy cls --model m.onnx --batching greedy", "greedy")]
    [InlineData("list --server ftp://x", "--server must be an absolute http(s) URL")]
    [InlineData("invoke cls", "exactly one of --input")]
    [InlineData("serve --api-key short=t", "8+ characters")]
    [InlineData("serve --disk-tier-gb -1", "--disk-tier-gb must be a number of at least 0")]
    [InlineData("sim --trace nope:x.csv", "unknown kind 'nope'")]
    [InlineData("sim --trace csv", "needs a path")]
    [InlineData("sim --trace csv:x.csv --ttl 10", "'10' is not a duration")]
    [InlineData("sim --trace csv:x.csv --policy kpa,magic", "unknown 'magic'")]
    [InlineData("sim --trace csv:x.csv --ttl-sweep 1,x", "--ttl-sweep: 'x'")]
    [InlineData("demo --duration 0", "--duration must be at least 1")]
    public void BadValuesAreClearParseErrors(string line, string message)
    {
        var result = StokeCli.Create().Parse(line);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void GoodDeployLineParses()
    {
        var result = StokeCli.Create().Parse("deploy cls --model m.onnx --max-batch 8 --max-delay-ms 2.5 --label zone=a --label gpu=none --keep-alive hybrid-histogram --server http://h:1");
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void DiskTierSizeParses()
    {
        var result = StokeCli.Create().Parse("serve --disk-tier-gb 0 --memory-tier-gb 0.5");
        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("24h", 86400)]
    public void DurationsAcceptUnits(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    public void ServeKnowsLoopbackUrls(string url, bool loopback) => Assert.Equal(loopback, Commands.ServeCommand.IsLoopback(url));

    [Fact]
    public async Task ServeRefusesRemoteUrlWithoutKeys()
    {
        var (code, output) = await CliRun.InvokeAsync("serve", "--url", "http://0.0.0.0:0", "--data", Path.GetTempPath());
        Assert.Equal(1, code);
        Assert.Contains("no --api-key is configured", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionRefusedAsksWhetherServeIsRunning()
    {
        var (code, output) = await CliRun.InvokeAsync("list", "--server", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("is `stoke serve` running at http://127.0.0.1:1/?", output, StringComparison.Ordinal);
    }
}
