using Stoke.Cli.Tests.Support;

namespace Stoke.Cli.Tests;

public sealed class SimTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "stoke-cli-sim-" + Guid.NewGuid().ToString("N")[..8]);

    public SimTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task SimWritesCsvAndSvg()
    {
        var trace = Path.Combine(_dir, "trace.csv");
        await File.WriteAllLinesAsync(trace, ["timestamp,function,duration_ms", "0,a,100", "1,a,100", "2,b,50", "120,a,100", "900,b,50"]);
        var output = Path.Combine(_dir, "out");
        var (code, text) = await CliRun.InvokeAsync("sim", "--trace", "csv:" + trace, "--ttl", "1m", "--keep-alive-policies", "hybrid-histogram", "--load-time", "2s", "--slo", "1s", "--out", output);
        Assert.True(code == 0, text);
        Assert.Contains("hybrid-histogram", await File.ReadAllTextAsync(Path.Combine(output, "results.csv")), StringComparison.Ordinal);
        Assert.StartsWith("<svg", (await File.ReadAllTextAsync(Path.Combine(output, "results.svg"))).TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadTraceLineExitsWithPathAndLine()
    {
        var trace = Path.Combine(_dir, "bad.csv");
        await File.WriteAllLinesAsync(trace, ["timestamp,function,duration_ms", "5,a,100", "1,a,100"]);
        var (code, text) = await CliRun.InvokeAsync("sim", "--trace", "csv:" + trace, "--out", Path.Combine(_dir, "bad-out"));
        Assert.Equal(2, code);
        Assert.Contains("bad.csv:3:", text, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
