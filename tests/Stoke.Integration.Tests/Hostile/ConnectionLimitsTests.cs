using Stoke.Gateway.Hosting;

namespace Stoke.Integration.Tests.Hostile;

/// <summary>The gateway's connection cap fits the process's open-file limit, keeping a reserve for everything else.</summary>
public sealed class ConnectionLimitsTests
{
    [Theory]
    [InlineData(10_000, 1_048_576L, 10_000)] // a container's usual limit: the configured cap holds
    [InlineData(10_000, 20_000L, 10_000)]
    [InlineData(10_000, 8_192L, 7_168)] // 1,024 kept back
    [InlineData(10_000, 1_024L, 768)] // a quarter kept back
    [InlineData(10_000, null, 10_000)] // unknown (not Linux): as configured
    public void TheCapIsTheConfiguredOneOrWhatTheOpenFileLimitLeaves(long configured, long? openFiles, long effective) =>
        Assert.Equal(effective, ConnectionLimits.Effective(configured, openFiles));

    [Theory]
    [InlineData(10_000, 1_048_576L, 1_000, 10_000)] // room for both listeners
    [InlineData(10_000, 8_192L, 1_000, 6_168)] // the gRPC listener's 1,000 come off the REST gateway's share
    [InlineData(10_000, null, 1_000, 10_000)]
    public void AnotherListenersConnectionsComeOffTheBudget(long configured, long? openFiles, long heldElsewhere, long effective) =>
        Assert.Equal(effective, ConnectionLimits.Effective(configured, openFiles, heldElsewhere));

    [Fact]
    public void ThisProcessKnowsItsOpenFileLimitOnLinux() =>
        Assert.True(!OperatingSystem.IsLinux() || ConnectionLimits.OpenFileLimit() is > 0, "getrlimit(RLIMIT_NOFILE) gave nothing on Linux");
}
