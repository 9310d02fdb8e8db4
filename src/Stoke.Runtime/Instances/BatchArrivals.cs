namespace Stoke.Runtime.Instances;

/// <summary>
/// What an instance's batcher knows of its arrivals, to decide whether waiting for a batch to fill can pay: how
/// frequent they are (an average of the gaps) and whether they come while other requests are outstanding (an average
/// over arrivals). A caller that sends one request after another never overlaps itself, however fast it sends: its
/// next request waits for this answer, so holding this one for a batch would only delay both.
/// A gap counts for at most twice <paramref name="maxDelay"/> (the function's longest queue delay): an idle period
/// says that the instance was idle, not how close together the next burst's requests will come, and counted whole it
/// kept a burst after a pause from batching for its first several arrivals.
/// </summary>
internal sealed class BatchArrivals(TimeProvider time, TimeSpan maxDelay)
{
    /// <summary>One overlapping arrival among the last few is enough to wait; ten sequential ones in a row are not.</summary>
    private const double OverlapToWait = 0.1;

    private readonly double _gapCapMs = 2 * maxDelay.TotalMilliseconds;

    private long _lastArrival;
    private double _gapEwmaMs = double.MaxValue;
    private int _outstanding;
    private double _overlapEwma;

    /// <summary>A request arrived (at <paramref name="now"/>, a timestamp of the batcher's clock); pair with <see cref="Left"/>.</summary>
    public void Arrived(long now)
    {
        var last = Interlocked.Exchange(ref _lastArrival, now);
        if (last != 0)
        {
            var gapMs = Math.Min(time.GetElapsedTime(last, now).TotalMilliseconds, _gapCapMs);
            _gapEwmaMs = _gapEwmaMs == double.MaxValue ? gapMs : (0.8 * _gapEwmaMs) + (0.2 * gapMs);
        }

        var overlapped = Interlocked.Increment(ref _outstanding) > 1 ? 1.0 : 0.0;
        _overlapEwma = (0.8 * _overlapEwma) + (0.2 * overlapped);
    }

    /// <summary>A request was answered, failed or was refused.</summary>
    public void Left() => Interlocked.Decrement(ref _outstanding);

    /// <summary>Whether another request is likely to arrive within <paramref name="delay"/>.</summary>
    public bool MoreLikelyWithin(TimeSpan delay) => _gapEwmaMs <= delay.TotalMilliseconds && _overlapEwma >= OverlapToWait;
}
