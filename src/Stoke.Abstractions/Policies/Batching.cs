namespace Stoke.Abstractions.Policies;

/// <summary>How big the next batch may grow and how long its first request may wait for others.</summary>
public readonly record struct BatchPlan(int MaxBatchSize, TimeSpan MaxDelay);

/// <summary>Per-instance batching state; it may learn from the measured duration of each batch.</summary>
public interface IBatchingPolicy
{
    /// <summary>Plan for the batch being formed, given the requests queued and how long the oldest has waited.</summary>
    BatchPlan Next(int queued, TimeSpan oldestWaited);

    /// <summary>Reports how long a batch of <paramref name="batchSize"/> took in the engine.</summary>
    void Observe(int batchSize, TimeSpan duration);
}
