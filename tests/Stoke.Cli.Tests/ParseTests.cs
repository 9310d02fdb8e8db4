using Stoke.Abstractions.Nodes;
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
    [InlineData("serve --api-key sk-long-enough=acme/ops", "a tenant is 1-63 letters")]
    [InlineData("serve --api-key sk-long-enough=..", "a tenant is 1-63 letters")]
    [InlineData("serve --operator-key short=ops", "--operator-key 'short=ops': the key needs 8+ characters")]
    [InlineData("serve --operator-key sk-long-enough=a/b", "a tenant is 1-63 letters")]
    [InlineData("serve --redis 127.0.0.1:6379 --postgres Host=db", "--redis and --postgres are mutually exclusive")]
    [InlineData("serve --advertise 10.1.2.3", "--advertise needs --redis or --postgres")]
    [InlineData("serve --accept-empty-store", "--accept-empty-store needs --redis or --postgres")]
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

    [Theory]
    [InlineData("http://127.0.0.1:8080", 8081, "http://127.0.0.1:8081")]
    [InlineData("http://0.0.0.0:0", 0, "http://0.0.0.0:0")]
    [InlineData("http://*:8080/", 9000, "http://*:9000")]
    [InlineData("http://[::1]:8080", 8081, "http://[::1]:8081")]
    [InlineData("http://localhost", 8081, "http://localhost:8081")]
    public void GrpcPortListensOnTheHostOfUrl(string url, int port, string expected) => Assert.Equal(expected, GrpcUrl.From(url, port));

    [Fact]
    public async Task ServeRefusesRemoteUrlWithoutKeys()
    {
        var (code, output) = await CliRun.InvokeAsync("serve", "--url", "http://0.0.0.0:0", "--data", Path.GetTempPath());
        Assert.Equal(1, code);
        Assert.Contains("no --api-key is configured", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeRefusingRemoteUrlWithoutKeysNamesAllowAnonymous()
    {
        var (code, output) = await CliRun.InvokeAsync("serve", "--url", "http://0.0.0.0:0", "--data", Path.GetTempPath());
        Assert.Equal(1, code);
        Assert.Contains("--allow-anonymous", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionRefusedAsksWhetherServeIsRunning()
    {
        var (code, output) = await CliRun.InvokeAsync("list", "--server", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("is `stoke serve` running at http://127.0.0.1:1/?", output, StringComparison.Ordinal);
    }

    [Fact]
    public void GoodClusterServeLineParses()
    {
        var result = StokeCli.Create().Parse("serve --postgres Host=db;Database=stoke --advertise 10.1.2.3 --silo-port 11112 --gateway-port 30001 --accept-empty-store");
        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("fd00::7", "fd00::7")]
    [InlineData("localhost", "127.0.0.1")]
    public void AdvertiseTakesAnAddressOrResolvesAHostName(string host, string address) =>
        Assert.Equal(address, AdvertiseAddress.Resolve(host).ToString());

    [Fact]
    public async Task ServeNamesAnAdvertisedHostThatDoesNotResolve()
    {
        var (code, output) = await CliRun.InvokeAsync("serve", "--redis", "127.0.0.1:1", "--advertise", "no-such-host.invalid", "--data", Path.GetTempPath());
        Assert.Equal(1, code);
        Assert.Contains("--advertise no-such-host.invalid: cannot resolve the host name", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeNamesAnUnreachableRedis()
    {
        var (code, output) = await CliRun.InvokeAsync("serve", "--redis", "127.0.0.1:1", "--url", "http://127.0.0.1:0", "--data", TempData());
        Assert.Equal(1, code);
        Assert.Contains("Cannot reach Redis at 127.0.0.1:1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeNamesAnUnreachablePostgres()
    {
        var (code, output) = await CliRun.InvokeAsync("serve", "--postgres", "Host=127.0.0.1;Port=1;Database=stoke;Username=stoke", "--url", "http://127.0.0.1:0", "--data", TempData());
        Assert.Equal(1, code);
        Assert.Contains("Cannot reach PostgreSQL at 127.0.0.1:1/stoke", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeNamesABadPostgresConnectionString()
    {
        var (code, output) = await CliRun.InvokeAsync("serve", "--postgres", "Hots=db", "--data", TempData());
        Assert.Equal(1, code);
        Assert.Contains("The PostgreSQL connection string is not valid", output, StringComparison.Ordinal);
    }

    private static string TempData() => Path.Combine(Path.GetTempPath(), "stoke-cli-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void StatusSaysInOneLineSinceWhenAndWhyTheStoreIsDown()
    {
        var since = new DateTimeOffset(2026, 1, 1, 12, 30, 5, TimeSpan.Zero);
        var line = Rendering.StatusTables.Store(new StoreStatus("redis", StoreState.Down, "connection refused", since, since));
        Assert.Equal("store: redis down since 12:30:05 UTC: connection refused", line);
    }
}
