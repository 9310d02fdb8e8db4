namespace Stoke.Policies.Batching;

/// <summary>
/// Measured engine latency per batch size: an EWMA at each size seen, and a least-squares line a + b*size
/// through those for sizes not seen yet (batched inference is close to affine in the batch size).
/// </summary>
internal sealed class BatchLatencyCurve(int maxBatchSize, double smoothing = 0.3)
{
    private readonly double?[] _ewmaMs = new double?[maxBatchSize + 1];

    public bool IsEmpty { get; private set; } = true;

    public void Observe(int batchSize, TimeSpan duration)
    {
        if (batchSize < 1 || batchSize > maxBatchSize || duration < TimeSpan.Zero)
        {
            return;
        }

        double ms = duration.TotalMilliseconds;
        _ewmaMs[batchSize] = _ewmaMs[batchSize] is { } old ? old + (smoothing * (ms - old)) : ms;
        IsEmpty = false;
    }

    /// <summary>Predicted latency of a batch of <paramref name="batchSize"/>; null before any observation.</summary>
    public TimeSpan? Predict(int batchSize)
    {
        if (_ewmaMs[batchSize] is { } seen)
        {
            return TimeSpan.FromMilliseconds(seen);
        }

        int n = 0;
        double sumX = 0, sumY = 0, sumXx = 0, sumXy = 0;
        for (int size = 1; size <= maxBatchSize; size++)
        {
            if (_ewmaMs[size] is { } y)
            {
                n++;
                sumX += size;
                sumY += y;
                sumXx += (double)size * size;
                sumXy += size * y;
            }
        }

        if (n == 0)
        {
            return null;
        }

        double meanX = sumX / n, meanY = sumY / n;
        double varianceX = (sumXx / n) - (meanX * meanX);
        // One size seen: assume no batching gain (latency proportional to size), the cautious guess.
        // A negative slope is noise: batches never get cheaper by growing.
        double slope = varianceX > 1e-9 ? Math.Max(0, ((sumXy / n) - (meanX * meanY)) / varianceX) : meanY / meanX;
        double intercept = meanY - (slope * meanX);
        return TimeSpan.FromMilliseconds(Math.Max(0, intercept + (slope * batchSize)));
    }
}
