namespace Stoke.Policies.Autoscaling;

/// <summary>
/// Finds bursts that recur at a steady period (cron jobs, batch pipelines: the common case in Shahrad et al.'s
/// Azure trace) and predicts the next one's start, its peak concurrency and how long it lasts.
/// </summary>
internal sealed class PeriodicBurstDetector
{
    /// <summary>Silence that separates one burst from the next.</summary>
    public static readonly TimeSpan QuietGap = TimeSpan.FromSeconds(10);

    /// <summary>Largest relative deviation of the last intervals from their mean that still counts as periodic.</summary>
    private const double Tolerance = 0.1;

    private const int IntervalsNeeded = 2;

    private readonly Queue<DateTimeOffset> _onsets = new();
    private DateTimeOffset? _lastActivity;
    private DateTimeOffset _currentOnset;
    private bool _active;
    private double _currentPeak;

    /// <summary>Peak concurrency of recent bursts (EWMA).</summary>
    public double TypicalPeak { get; private set; }

    /// <summary>Duration of recent bursts (EWMA).</summary>
    public TimeSpan TypicalDuration { get; private set; }

    public void Observe(DateTimeOffset now, long arrivals, double concurrency)
    {
        if (arrivals > 0)
        {
            if (!_active)
            {
                _active = true;
                _currentPeak = 0;
                if (_lastActivity is null || now - _lastActivity >= QuietGap)
                {
                    _currentOnset = now;
                    _onsets.Enqueue(now);
                    if (_onsets.Count > IntervalsNeeded + 1)
                    {
                        _onsets.Dequeue();
                    }
                }
            }

            _lastActivity = now;
            _currentPeak = Math.Max(_currentPeak, concurrency);
        }
        else if (_active && now - _lastActivity >= QuietGap)
        {
            _active = false;
            var duration = _lastActivity!.Value - _currentOnset;
            TypicalPeak = TypicalPeak == 0 ? _currentPeak : (TypicalPeak + _currentPeak) / 2;
            TypicalDuration = TypicalDuration == TimeSpan.Zero ? duration : (TypicalDuration + duration) / 2;
        }
    }

    /// <summary>When the next burst should start, or null when the recent onsets are not periodic.</summary>
    public DateTimeOffset? NextOnset(out TimeSpan period)
    {
        period = TimeSpan.Zero;
        if (_onsets.Count < IntervalsNeeded + 1 || TypicalPeak <= 0)
        {
            return null;
        }

        var onsets = _onsets.ToArray();
        var intervals = new TimeSpan[onsets.Length - 1];
        for (int i = 1; i < onsets.Length; i++)
        {
            intervals[i - 1] = onsets[i] - onsets[i - 1];
        }

        var mean = TimeSpan.FromTicks((long)intervals.Average(i => i.Ticks));
        if (mean <= TimeSpan.Zero || intervals.Any(i => (i - mean).Duration() > mean * Tolerance))
        {
            return null;
        }

        period = mean;
        return onsets[^1] + mean;
    }
}
