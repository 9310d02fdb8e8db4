using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.Batching;

public sealed class SloAdaptiveBatchingTests
{
    private static readonly BatchingOptions Options = new()
    {
        Policy = PolicyNames.SloAdaptiveBatching,
        MaxBatchSize = 32,
        MaxQueueDelay = TimeSpan.FromMilliseconds(10),
    };

    private static IBatchingPolicy Create(TimeSpan? slo, string policy = PolicyNames.SloAdaptiveBatching) =>
        new PolicyCatalog().CreateBatching(Specs.With(batching: Options with { Policy = policy }, slo: slo));

    /// <summary>Reports batches at a few sizes whose latency is <paramref name="fixedMs"/> + <paramref name="perItemMs"/> * size.</summary>
    private static void Learn(IBatchingPolicy policy, double fixedMs, double perItemMs)
    {
        foreach (int size in new[] { 1, 2, 4, 8 })
        {
            policy.Observe(size, TimeSpan.FromMilliseconds(fixedMs + (perItemMs * size)));
        }
    }

    private static BatchPlan PlanAfterLearning(string policy, TimeSpan? slo, double fixedMs, double perItemMs)
    {
        var batching = Create(slo, policy);
        Learn(batching, fixedMs, perItemMs);
        return batching.Next(queued: 40, oldestWaited: TimeSpan.Zero);
    }

    [Fact]
    public void TightSloAndSteepCurvePickASmallerBatchThanFixed()
    {
        var slo = TimeSpan.FromMilliseconds(20);

        var adaptive = PlanAfterLearning(PolicyNames.SloAdaptiveBatching, slo, fixedMs: 2, perItemMs: 1);
        var fixedPlan = PlanAfterLearning(PolicyNames.FixedBatching, slo, fixedMs: 2, perItemMs: 1);

        // Half of 20 ms for queueing leaves 10 ms of compute: 2 + 1*8 fits, 2 + 1*9 does not.
        Assert.Equal(new BatchPlan(8, TimeSpan.FromMilliseconds(10)), adaptive);
        Assert.Equal(new BatchPlan(32, TimeSpan.FromMilliseconds(10)), fixedPlan);
    }

    [Fact]
    public void ExtrapolatesUnseenSizesFromTheLinearFit()
    {
        // Only sizes 1..8 were seen; 2 + 0.5*size <= 10 holds up to 16.
        var plan = PlanAfterLearning(PolicyNames.SloAdaptiveBatching, TimeSpan.FromMilliseconds(20), fixedMs: 2, perItemMs: 0.5);

        Assert.Equal(16, plan.MaxBatchSize);
    }

    [Fact]
    public void ShortensTheWaitWhenOneRequestAloneNearlyFillsTheSlo()
    {
        // 10 ms SLO, a single request takes 9 ms: at most 1 ms of waiting keeps it within the SLO.
        var plan = PlanAfterLearning(PolicyNames.SloAdaptiveBatching, TimeSpan.FromMilliseconds(10), fixedMs: 8, perItemMs: 1);

        Assert.Equal(new BatchPlan(1, TimeSpan.FromMilliseconds(1)), plan);
    }

    [Fact]
    public void NeverExceedsMaxBatchSize()
    {
        var plan = PlanAfterLearning(PolicyNames.SloAdaptiveBatching, TimeSpan.FromSeconds(10), fixedMs: 1, perItemMs: 0);

        Assert.Equal(32, plan.MaxBatchSize);
    }

    [Fact]
    public void BehavesLikeFixedWithoutAnSlo()
    {
        var plan = PlanAfterLearning(PolicyNames.SloAdaptiveBatching, slo: null, fixedMs: 50, perItemMs: 50);

        Assert.Equal(new BatchPlan(32, TimeSpan.FromMilliseconds(10)), plan);
    }

    [Fact]
    public void AdaptsWhenTheEngineSlowsDown()
    {
        var batching = Create(TimeSpan.FromMilliseconds(20));
        Learn(batching, fixedMs: 1, perItemMs: 0.25);
        int before = batching.Next(40, TimeSpan.Zero).MaxBatchSize;

        for (int i = 0; i < 20; i++)
        {
            Learn(batching, fixedMs: 2, perItemMs: 2);
        }

        int after = batching.Next(40, TimeSpan.Zero).MaxBatchSize;
        Assert.Equal(32, before);
        Assert.Equal(4, after);
    }
}
