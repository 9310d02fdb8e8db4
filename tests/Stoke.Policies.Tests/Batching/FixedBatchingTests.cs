using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Tests.Batching;

public sealed class FixedBatchingTests
{
    [Fact]
    public void AlwaysPlansTheConfiguredSizeAndDelay()
    {
        var policy = new PolicyCatalog().CreateBatching(Specs.With(batching: new BatchingOptions
        {
            MaxBatchSize = 16,
            MaxQueueDelay = TimeSpan.FromMilliseconds(5),
        }));
        policy.Observe(16, TimeSpan.FromSeconds(2));

        Assert.Equal(new BatchPlan(16, TimeSpan.FromMilliseconds(5)), policy.Next(3, TimeSpan.FromMilliseconds(1)));
    }
}
