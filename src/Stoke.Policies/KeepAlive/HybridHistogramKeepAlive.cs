using Stoke.Abstractions.Policies;

namespace Stoke.Policies.KeepAlive;

/// <summary>
/// The hybrid histogram policy of Shahrad et al., "Serverless in the Wild" (USENIX ATC'20): learn each function's
/// idle-time distribution; unload after it goes idle and pre-warm just before the 5th percentile of its idle
/// times, keeping it warm until the 99th, each with a 10% margin. When the histogram is not representative it
/// falls back to the fixed TTL (the paper forecasts out-of-range idle times with ARIMA; we keep the simple
/// fallback, which is what the paper also does for too-few-samples and flat histograms).
/// </summary>
internal sealed class HybridHistogramKeepAlive(TimeSpan fallbackTtl, HistogramOptions options) : IKeepAlivePolicy
{
    // Without a trusted histogram: the fixed TTL, or less when a cold start is worth less idle time than that (ski
    // rental: keeping an instance longer than a cold start costs never pays on a function we know nothing about).
    private readonly TimeSpan _fallback = options.ColdStartCost is { } cost && cost < fallbackTtl ? cost : fallbackTtl;

    private readonly IdleTimeHistogram _histogram = new(options.BinWidth, options.Range);
    private DateTimeOffset? _lastArrival;

    public void OnArrivals(DateTimeOffset first, DateTimeOffset last, long count)
    {
        if (count <= 0)
        {
            return;
        }

        if (_lastArrival is { } previous && first >= previous)
        {
            _histogram.Add(first - previous);
        }

        // The gaps inside one control interval are shorter than the interval, so all fall in the first bin.
        _histogram.AddShortGaps(count - 1);
        _lastArrival = last;
    }

    public KeepAliveWindow CurrentWindow() =>
        HistogramWindows.From(_histogram, options, "hybrid-histogram", out var whyNot)
        ?? new KeepAliveWindow(TimeSpan.Zero, _fallback, $"hybrid-histogram fallback to fixed TTL {_fallback}: {whyNot}");
}
