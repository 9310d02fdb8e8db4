using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Batching;

/// <summary>The baseline batcher (Triton's dynamic batcher with fixed settings): always the configured size and delay.</summary>
internal sealed class FixedBatching(int maxBatchSize, TimeSpan maxQueueDelay) : IBatchingPolicy
{
    private readonly BatchPlan _plan = new(maxBatchSize, maxQueueDelay);

    public BatchPlan Next(int queued, TimeSpan oldestWaited) => _plan;

    public void Observe(int batchSize, TimeSpan duration)
    {
    }
}
