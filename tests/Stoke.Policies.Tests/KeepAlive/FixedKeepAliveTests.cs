using Stoke.Abstractions.Functions;

namespace Stoke.Policies.Tests.KeepAlive;

public sealed class FixedKeepAliveTests
{
    [Fact]
    public void KeepsAliveForTheTtlWithoutPrewarm()
    {
        var policy = new PolicyCatalog().CreateKeepAlive(Specs.With(new ScalingOptions { KeepAliveTtl = TimeSpan.FromMinutes(7) }));
        for (int i = 0; i < 50; i++)
        {
            policy.OnArrival(Specs.T0.AddMinutes(10 * i));
        }

        var window = policy.CurrentWindow();

        Assert.Equal(TimeSpan.Zero, window.PrewarmAfter);
        Assert.Equal(TimeSpan.FromMinutes(7), window.KeepAlive);
    }
}
