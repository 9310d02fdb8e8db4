using Stoke.Abstractions.Policies;

namespace Stoke.Policies.KeepAlive;

/// <summary>
/// Long/short-term histograms in the manner of INFless (Yang et al., ASPLOS'22): a long-term idle-time histogram
/// for the function's whole history and a short-term one over its last arrivals. The short-term windows win
/// when they disagree markedly with the long-term ones (the function's behaviour just changed); otherwise the
/// long-term ones, which have more samples, decide. Windows come from percentiles as in the hybrid histogram.
/// </summary>
internal sealed class LongShortHistogramKeepAlive(TimeSpan fallbackTtl, HistogramOptions options) : IKeepAlivePolicy
{
    // Without a trusted histogram: the fixed TTL, or less when a cold start is worth less idle time than that (ski
    // rental: keeping an instance longer than a cold start costs never pays on a function we know nothing about).
    private readonly TimeSpan _fallback = options.ColdStartCost is { } cost && cost < fallbackTtl ? cost : fallbackTtl;

    private readonly IdleTimeHistogram _long = new(options.BinWidth, options.Range);
    private readonly IdleTimeHistogram _short = new(options.BinWidth, options.Range);
    private readonly Queue<TimeSpan> _recent = new();
    private DateTimeOffset? _lastArrival;

    public void OnArrivals(DateTimeOffset first, DateTimeOffset last, long count)
    {
        if (count <= 0)
        {
            return;
        }

        if (_lastArrival is { } previous && first >= previous)
        {
            Add(first - previous);
        }

        // The gaps inside one control interval are shorter than the interval, so all fall in the first bin; past the
        // short-term window's size they would only replace each other.
        for (var i = Math.Max(0, count - 1 - options.ShortTermSamples); i < count - 1; i++)
        {
            Add(TimeSpan.Zero);
        }

        _long.AddShortGaps(Math.Max(0, count - 1 - options.ShortTermSamples));
        _lastArrival = last;
    }

    private void Add(TimeSpan idle)
    {
        _long.Add(idle);
        _short.Add(idle);
        _recent.Enqueue(idle);
        if (_recent.Count > options.ShortTermSamples)
        {
            _short.Remove(_recent.Dequeue());
        }
    }

    public KeepAliveWindow CurrentWindow()
    {
        var longTerm = HistogramWindows.From(_long, options, "long-term", out var longWhyNot);
        var shortTerm = HistogramWindows.From(_short, options, "short-term", out _);
        if (shortTerm is { } recent && (longTerm is not { } history || Disagree(recent, history)))
        {
            return recent with { Reason = "long-short-histogram uses " + recent.Reason + " (recent behaviour changed)" };
        }

        if (longTerm is { } window)
        {
            return window with { Reason = "long-short-histogram uses " + window.Reason };
        }

        return new KeepAliveWindow(TimeSpan.Zero, _fallback, $"long-short-histogram fallback to fixed TTL {_fallback}: {longWhyNot}");
    }

    private bool Disagree(KeepAliveWindow recent, KeepAliveWindow history)
    {
        // Compare where each window starts and ends; one bin of slack so neighbouring bins never count as change.
        var slack = options.BinWidth;
        return Differs(recent.PrewarmAfter, history.PrewarmAfter, slack)
            || Differs(recent.PrewarmAfter + recent.KeepAlive, history.PrewarmAfter + history.KeepAlive, slack);
    }

    private bool Differs(TimeSpan a, TimeSpan b, TimeSpan slack)
    {
        var difference = (a - b).Duration();
        return difference > slack && difference > options.DisagreementShare * (a > b ? a : b);
    }
}
