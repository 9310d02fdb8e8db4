namespace Stoke.Control.Metering;

/// <summary>
/// One gateway's view of one function's load: arrivals, and requests in flight (from arrival to answer, held ones
/// included) integrated over time, so the autoscaler sees average concurrency rather than a sample. Each report cuts
/// an interval. Thread-safe: the server's requests enter and leave concurrently.
/// </summary>
public sealed class LoadMeter
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _intervalStart;
    private long _mark;
    private double _area;
    private int _inFlight;
    private long _arrivals;
    private DateTimeOffset? _first;
    private DateTimeOffset? _last;

    public LoadMeter(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _intervalStart = _mark = time.GetTimestamp();
    }

    /// <summary>Requests in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Arrivals not yet reported.</summary>
    public long PendingArrivals
    {
        get
        {
            lock (_gate)
            {
                return _arrivals;
            }
        }
    }

    /// <summary>A request arrived (and is in flight until <see cref="Leave"/>).</summary>
    public void Arrive()
    {
        var now = _time.GetTimestamp();
        var at = _time.GetUtcNow();
        lock (_gate)
        {
            Integrate(now);
            _inFlight++;
            _arrivals++;
            _first ??= at;
            _last = at;
        }
    }

    /// <summary>A request was answered (or refused).</summary>
    public void Leave()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            Integrate(now);
            _inFlight--;
        }
    }

    /// <summary>
    /// Starts the current interval at <paramref name="timestamp"/>, as a cut there would have: for a host that skipped
    /// the cuts of intervals in which nothing was in flight and nothing arrived (the simulator's quiet ticks).
    /// </summary>
    public void RestartAt(long timestamp)
    {
        lock (_gate)
        {
            if (_inFlight != 0 || _arrivals != 0 || _area != 0)
            {
                throw new InvalidOperationException("Only an interval with nothing in it may be restarted.");
            }

            _intervalStart = timestamp;
            _mark = Math.Max(_mark, timestamp);
        }
    }

    /// <summary>Closes the current interval and starts the next.</summary>
    public LoadInterval Cut()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            Integrate(now);
            var interval = new LoadInterval(_time.GetElapsedTime(_intervalStart, now), _area, _inFlight, _arrivals, _first, _last);
            _intervalStart = now;
            _area = 0;
            _arrivals = 0;
            _first = _last = null;
            return interval;
        }
    }

    private void Integrate(long now)
    {
        _area += _inFlight * _time.GetElapsedTime(_mark, now).TotalSeconds;
        _mark = now;
    }
}

/// <summary>One cut of a <see cref="LoadMeter"/>.</summary>
/// <param name="Length">The time it covers.</param>
/// <param name="ConcurrencySeconds">Requests in flight integrated over it.</param>
/// <param name="InFlight">Requests in flight at its end.</param>
public readonly record struct LoadInterval(TimeSpan Length, double ConcurrencySeconds, int InFlight, long Arrivals, DateTimeOffset? FirstArrival, DateTimeOffset? LastArrival)
{
    public double AverageConcurrency => Length > TimeSpan.Zero ? ConcurrencySeconds / Length.TotalSeconds : InFlight;
}
