using Stoke.Cli.Tests.Support;

namespace Stoke.Cli.Tests;

public sealed class DemoTests
{
    [Fact]
    public async Task DemoRunsWithoutATerminalAndPrintsItsSummary()
    {
        var (code, output) = await CliRun.InvokeAsync("demo", "--duration", "8");
        Assert.True(code == 0, output);
        Assert.Contains("demo summary", output, StringComparison.Ordinal);
        Assert.Contains("resnet18", output, StringComparison.Ordinal);
    }
}
