using Stoke.Abstractions.Functions;

namespace Stoke.Policies.Tests.Autoscaling;

/// <summary>A signal that asks for no explanation (no decision log attached) gets the same decisions, without reasons.</summary>
public sealed class UnexplainedDecisionTests
{
    private static readonly ScalingOptions Options = new()
    {
        TargetConcurrency = 4,
        MinInstances = 1,
        MaxInstances = 6,
        StableWindow = TimeSpan.FromSeconds(30),
        PanicWindow = TimeSpan.FromSeconds(6),
    };

    [Theory]
    [InlineData(PolicyNames.Kpa)]
    [InlineData(PolicyNames.Predictive)]
    public void DecidesAsWhenExplainingButLeavesTheReasonEmpty(string autoscaler)
    {
        var catalog = new PolicyCatalog();
        var explained = catalog.CreateAutoscaler(Specs.With(Options with { Autoscaler = autoscaler }));
        var unexplained = catalog.CreateAutoscaler(Specs.With(Options with { Autoscaler = autoscaler }));

        // Quiet, a burst past the maximum (panic, clamping), a periodic repeat, then a long decay back to the minimum.
        for (var second = 0; second < 400; second += 2)
        {
            double load = second % 120 is >= 20 and < 30 ? 40 : second < 200 ? 1 : 0;
            var signal = new ScaleSignal(Specs.T0.AddSeconds(second), load, (long)load, second % 120 == 20 ? 5 : 0, 1, 0, TimeSpan.FromSeconds(4));
            var withReason = explained.Decide(signal);
            var without = unexplained.Decide(signal with { Explain = false });

            Assert.Equal((withReason.DesiredInstances, withReason.Panicking, ""), (without.DesiredInstances, without.Panicking, without.Reason));
            Assert.NotEmpty(withReason.Reason);
        }
    }
}
