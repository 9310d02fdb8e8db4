using Stoke.Abstractions.Functions;

namespace Stoke.Control.Metering;

/// <summary>
/// The one place a request's memory-time and cost are computed, for tensor requests and generations alike: an
/// instance's memory for the request's share of the engine time (a batch's or a continuous batch's time is split
/// among the requests that shared it), priced per GB-second, plus tokens at the function's token prices.
/// </summary>
public static class UsagePricing
{
    /// <summary>Memory-MB-seconds and cost of one request.</summary>
    /// <param name="computeMs">Engine time of the batch (or sequence) the request ran in.</param>
    /// <param name="sharedBy">Requests that shared that time (batch size, concurrent sequences).</param>
    public static (double MemoryMbSeconds, decimal Cost) Price(FunctionSpec spec, double computeMs, int sharedBy, long inputTokens = 0, long outputTokens = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var memoryBytes = Math.Max(spec.InstanceMemoryBytes, spec.Artifact.SizeBytes);
        var memoryMbSeconds = memoryBytes / (1024.0 * 1024.0) * (Math.Max(0, computeMs) / 1000.0) / Math.Max(1, sharedBy);
        var cost = ((decimal)(memoryMbSeconds / 1024.0) * spec.Pricing.PerGbSecond)
            + (inputTokens * spec.Pricing.PerThousandInputTokens / 1000m)
            + (outputTokens * spec.Pricing.PerThousandOutputTokens / 1000m);
        return (memoryMbSeconds, cost);
    }
}
