using System.Globalization;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.KeepAlive;

/// <summary>Turns an idle-time histogram into pre-warm and keep-alive windows, or says it is not representative.</summary>
internal static class HistogramWindows
{
    /// <summary>The windows from <paramref name="histogram"/>; null with a reason when it cannot be trusted.</summary>
    public static KeepAliveWindow? From(IdleTimeHistogram histogram, HistogramOptions options, string label, out string whyNot)
    {
        long total = histogram.Count + histogram.OutOfBounds;
        // Too many idle times past the range is its own case: the paper hands those functions to ARIMA.
        if (total >= options.MinSamples && histogram.OutOfBounds > options.MaxOutOfBoundsShare * total)
        {
            whyNot = Format($"{label} has {histogram.OutOfBounds} of {total} idle times past {options.Range.TotalHours:0.#}h");
            return null;
        }

        if (histogram.Count < options.MinSamples)
        {
            whyNot = Format($"{label} has {histogram.Count} idle times < {options.MinSamples}");
            return null;
        }

        double cv = histogram.CoefficientOfVariation();
        if (cv <= options.CvThreshold)
        {
            whyNot = Format($"{label} is flat (CV {cv:0.00} <= {options.CvThreshold:0.##})");
            return null;
        }

        whyNot = "";
        int head = histogram.PercentileBin(options.HeadPercentile);
        int tail;
        string tailRule;
        if (options.ColdStartCost is { } coldStartCost)
        {
            tail = histogram.BreakEvenBin(coldStartCost);
            tailRule = Format($"break-even at cold start = {coldStartCost.TotalMinutes:0.##}m idle");
            if (tail < head)
            {
                // Nothing is worth keeping: release as soon as the function goes idle.
                return new KeepAliveWindow(TimeSpan.Zero, TimeSpan.Zero, Format(
                    $"{label}: {histogram.Count} idle times, CV {cv:0.00}; no keep-alive pays ({tailRule})"));
            }
        }
        else
        {
            tail = histogram.PercentileBin(options.TailPercentile);
            tailRule = Format($"to p{options.TailPercentile:0.#}");
        }

        // Head: the bin's lower edge, earlier by the margin. Tail: the bin's upper edge, later by the margin.
        var prewarm = histogram.BinWidth * head * (1 - options.Margin);
        if (prewarm < options.MinUnloadGap)
        {
            // Unloading for a gap shorter than this saves little memory and risks a cold start on the reload.
            prewarm = TimeSpan.Zero;
        }

        var end = histogram.BinWidth * (tail + 1) * (1 + options.Margin);
        var keepAlive = end - prewarm;
        return new KeepAliveWindow(prewarm, keepAlive, Format(
            $"{label}: {histogram.Count} idle times, CV {cv:0.00}; prewarm after {prewarm.TotalMinutes:0.##}m (p{options.HeadPercentile:0.#}), keep alive {keepAlive.TotalMinutes:0.##}m ({tailRule})"));
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
