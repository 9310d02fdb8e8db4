using System.Globalization;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Autoscaling;

/// <summary>
/// The baseline autoscaler: Knative's KPA. Desired instances are the observed concurrency averaged over a
/// stable window divided by the per-instance target, with a short panic window that scales out fast on a
/// burst and holds its peak (never scales down) until a whole stable window passes without a burst.
/// </summary>
internal sealed class KpaAutoscaler : IAutoscaler
{
    private readonly ScalingOptions _options;
    private readonly TimeWindow _window;
    private bool _panicking;
    private DateTimeOffset _lastOverThreshold;
    private int _maxPanicInstances;

    public KpaAutoscaler(ScalingOptions options)
    {
        _options = options;
        _window = new TimeWindow(options.StableWindow);
    }

    public ScaleDecision Decide(in ScaleSignal signal)
    {
        // The signal's Concurrency already averages queued requests in, but QueueDepth is "right now": a burst
        // that just landed in the activator shows there first. Taking the larger avoids counting them twice.
        double observed = Math.Max(signal.Concurrency, signal.QueueDepth);
        _window.Add(signal.Now, observed);

        double stableAverage = _window.Average(signal.Now, _options.StableWindow);
        double panicAverage = _window.Average(signal.Now, _options.PanicWindow);
        int desiredStable = InstancesFor(stableAverage);
        int desiredPanic = InstancesFor(panicAverage);

        // Knative compares the panic window's wish with the pods that are ready: loading ones do not serve yet.
        bool overThreshold = desiredPanic >= _options.PanicThreshold * Math.Max(1, signal.ReadyInstances);
        if (overThreshold)
        {
            _panicking = true;
            _lastOverThreshold = signal.Now;
        }
        else if (_panicking && signal.Now - _lastOverThreshold >= _options.StableWindow)
        {
            _panicking = false;
            _maxPanicInstances = 0;
        }

        int desired;
        var explain = signal.Explain;
        string reason = "";
        if (_panicking)
        {
            // While panicking never scale down: the burst may be in a lull between waves.
            desired = Math.Max(desiredPanic, _maxPanicInstances);
            if (explain)
            {
                reason = Describe("panic", panicAverage, _options.PanicWindow, desiredPanic);
                if (desired > desiredPanic)
                {
                    reason += Format($" (holding panic peak {desired})");
                }
            }
        }
        else
        {
            desired = desiredStable;
            if (explain)
            {
                reason = Describe("stable", stableAverage, _options.StableWindow, desiredStable);
            }
        }

        // Scale from zero: an arrival or a held request needs an instance even if the averages round it away.
        if (desired < 1 && (signal.Arrivals > 0 || signal.QueueDepth > 0))
        {
            desired = 1;
            if (explain)
            {
                reason += "; request waiting at zero -> 1";
            }
        }

        desired = Clamp(desired, explain, ref reason);
        if (_panicking)
        {
            _maxPanicInstances = Math.Max(_maxPanicInstances, desired);
        }

        // Desired is a total: loading instances are part of it, so a slow cold start never adds more than the load needs.
        return new ScaleDecision(desired, _panicking, reason);
    }

    /// <summary>
    /// What <see cref="Decide"/> would want at the <paramref name="ticks"/>-th of a run of ticks every
    /// <paramref name="step"/> after <paramref name="from"/> (its last signal) that all see no load, no arrival and
    /// nothing queued, with <paramref name="ready"/> instances ready; false when such a run would not be quiet for it
    /// (it is panicking, a tick would start a panic, or its samples came out of order). Changes nothing.
    /// </summary>
    internal bool TryForecastQuiet(long from, long step, int ticks, int ready, out int desired)
    {
        desired = 0;
        if (_panicking
            || _window.AverageWithZeros(from, step, ticks, _options.StableWindow) is not { } stable
            || _window.AverageWithZeros(from, step, ticks, _options.PanicWindow) is not { } panic
            || InstancesFor(panic) >= _options.PanicThreshold * Math.Max(1, ready))
        {
            return false;
        }

        var reason = "";
        desired = Clamp(InstancesFor(stable), explain: false, ref reason);
        return true;
    }

    /// <summary>
    /// How many of the first <paramref name="max"/> ticks of a quiet run (see <see cref="TryForecastQuiet"/>) each
    /// stay quiet and want <paramref name="desired"/> instances, as a tick-by-tick forecast would count them.
    /// </summary>
    internal int QuietTicksWanting(long from, long step, int max, int ready, int desired)
    {
        if (!_window.SpacedAtLeast(step))
        {
            for (var k = 1; k <= max; k++)
            {
                if (!WantsQuietly(k))
                {
                    return k - 1;
                }
            }

            return max;
        }

        // Regular samples: both averages only fall along the run (see TimeWindow.SpacedAtLeast), so the desired count
        // only falls and a panic can only start at the first tick; the ticks that want `desired` are a prefix, found
        // by bisection.
        if (max < 1 || !WantsQuietly(1))
        {
            return 0;
        }

        int lo = 1, hi = max; // tick lo wants `desired`; none past hi does
        while (lo < hi)
        {
            var mid = lo + ((hi - lo + 1) / 2);
            if (WantsQuietly(mid))
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;

        bool WantsQuietly(int k) => TryForecastQuiet(from, step, k, ready, out var d) && d == desired;
    }

    /// <summary>Takes in a run of quiet ticks <see cref="TryForecastQuiet"/> allowed, as their signals would have.</summary>
    internal void AddQuietTicks(long from, long step, int ticks) => _window.AddZeros(from, step, ticks);

    private int InstancesFor(double concurrency) =>
        concurrency <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(concurrency / _options.TargetConcurrency));

    private int Clamp(int desired, bool explain, ref string reason)
    {
        if (desired > _options.MaxInstances)
        {
            if (explain)
            {
                reason += Format($"; clamped to max {_options.MaxInstances}");
            }

            return _options.MaxInstances;
        }

        if (desired < _options.MinInstances)
        {
            if (explain)
            {
                reason += Format($"; raised to min {_options.MinInstances}");
            }

            return _options.MinInstances;
        }

        return desired;
    }

    private string Describe(string mode, double concurrency, TimeSpan window, int desired) =>
        Format($"{mode}: {concurrency:0.0} conc over {window.TotalSeconds:0.#}s window / target {_options.TargetConcurrency:0.##} -> {desired}");

    internal static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
