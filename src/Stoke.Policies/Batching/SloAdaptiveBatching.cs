using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Batching;

/// <summary>
/// SLO-aware adaptive batching in the spirit of Clipper (Crankshaw et al., NSDI'17) and BATCH (Ali et al., SC'20):
/// learn the latency of each batch size and pick the largest batch, and the longest wait, for which queueing plus
/// predicted engine time stays within the function's latency objective. Half the SLO at most goes to queueing.
/// Without an SLO it is the fixed batcher.
/// </summary>
internal sealed class SloAdaptiveBatching : IBatchingPolicy
{
    /// <summary>Share of the SLO a request may spend waiting for its batch to fill.</summary>
    private const double QueueShare = 0.5;

    private readonly BatchingOptions _options;
    private readonly TimeSpan? _slo;
    private readonly BatchLatencyCurve _curve;

    public SloAdaptiveBatching(BatchingOptions options, TimeSpan? slo)
    {
        _options = options;
        _slo = slo;
        _curve = new BatchLatencyCurve(options.MaxBatchSize);
    }

    public BatchPlan Next(int queued, TimeSpan oldestWaited)
    {
        if (_slo is not { } slo)
        {
            return new BatchPlan(_options.MaxBatchSize, _options.MaxQueueDelay);
        }

        var wait = Min(_options.MaxQueueDelay, slo * QueueShare);
        if (_curve.IsEmpty)
        {
            // Nothing measured yet: allow the full batch so the curve gets data at every size, but cap the wait.
            return new BatchPlan(_options.MaxBatchSize, wait);
        }

        var computeBudget = slo - wait;
        int size = 1;
        for (int candidate = _options.MaxBatchSize; candidate >= 1; candidate--)
        {
            if (_curve.Predict(candidate) is { } latency && latency <= computeBudget)
            {
                size = candidate;
                break;
            }
        }

        // When even the chosen batch leaves less than the queueing share, shorten the wait to what is left.
        var predicted = _curve.Predict(size) ?? TimeSpan.Zero;
        var left = slo - predicted;
        wait = Min(wait, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        return new BatchPlan(size, wait);
    }

    public void Observe(int batchSize, TimeSpan duration) => _curve.Observe(batchSize, duration);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
