namespace Stoke.Policies.Autoscaling;

/// <summary>
/// Timestamped samples kept for a bounded span, averaged over any shorter trailing window.
/// Knative averages per-second buckets; with one sample per regular tick the sample mean is the same thing.
/// </summary>
internal sealed class TimeWindow(TimeSpan span)
{
    private readonly Queue<(DateTimeOffset At, double Value)> _samples = new();

    public TimeSpan Span { get; } = span;

    public void Add(DateTimeOffset at, double value)
    {
        _samples.Enqueue((at, value));
        // Keep samples strictly inside (at - span, at]; older ones can never be averaged again.
        while (_samples.Count > 0 && _samples.Peek().At <= at - Span)
        {
            _samples.Dequeue();
        }
    }

    /// <summary>Mean of the samples in (now - window, now]; 0 when there are none.</summary>
    public double Average(DateTimeOffset now, TimeSpan window)
    {
        double sum = 0;
        int count = 0;
        foreach (var (at, value) in _samples)
        {
            if (at > now - window && at <= now)
            {
                sum += value;
                count++;
            }
        }

        return count == 0 ? 0 : sum / count;
    }

    /// <summary>Largest sample in (now - window, now]; 0 when there are none.</summary>
    public double Max(DateTimeOffset now, TimeSpan window)
    {
        double max = 0;
        foreach (var (at, value) in _samples)
        {
            if (at > now - window && at <= now && value > max)
            {
                max = value;
            }
        }

        return max;
    }
}
