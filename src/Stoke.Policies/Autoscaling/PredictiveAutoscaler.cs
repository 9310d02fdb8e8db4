using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Autoscaling;

/// <summary>
/// Provisions for the load expected one cold start ahead, in the spirit of MArK (Zhang et al., ATC'19), BARISTA
/// (Bhattacharjee et al., SC'19) and Fifer (Gunasekaran et al., Middleware'20). Holt's double exponential smoothing
/// forecasts the arrival rate at now + load time + one tick (its trend only when it stands out of the noise); the
/// instances asked for cover an upper quantile of that rate (forecast + z x error deviation) times the measured
/// service time (Little's law). A detector of periodic bursts pre-provisions for the next one. Unlike KPA it scales
/// down on its own forecast once the need has stayed lower for one load time (holding an instance longer costs more
/// than reloading it), never below what the current concurrency needs and never while instances are loading.
/// </summary>
internal sealed class PredictiveAutoscaler : IAutoscaler
{
    // Smoothing per tick (2 s in the simulator and the server): the level and trend follow a change of rate within
    // ~10 s, the error variance averages over ~40 s so one burst does not set it alone.
    private const double LevelSmoothing = 0.2;
    private const double TrendSmoothing = 0.2;
    private const double VarianceSmoothing = 0.05;

    /// <summary>Error deviations above the forecast provisioned for (one: about the 84th percentile if normal).</summary>
    private const double Quantile = 1;

    /// <summary>A trend counts only when its extrapolation over the horizon exceeds this many error deviations.</summary>
    private const double TrendNoise = 2;

    private const double ServiceSmoothing = 0.1;

    private readonly ScalingOptions _options;
    private readonly RateForecast _rate = new(LevelSmoothing, TrendSmoothing, VarianceSmoothing);
    private readonly PeriodicBurstDetector _bursts = new();
    private readonly TimeWindow _needs;
    private DateTimeOffset? _lastTick;
    private DateTimeOffset? _lastArrival;
    private double _rateAverage;
    private double _concurrencyAverage;
    private DateTimeOffset? _holdUntil;
    private int _holdInstances;
    private string _holdReason = "";

    public PredictiveAutoscaler(ScalingOptions options)
    {
        _options = options;
        _needs = new TimeWindow(TimeSpan.FromMinutes(5));
    }

    public ScaleDecision Decide(in ScaleSignal signal)
    {
        var now = signal.Now;
        var tick = _lastTick is { } last && now > last ? now - last : TimeSpan.Zero;
        _lastTick = now;
        double observed = Math.Max(signal.Concurrency, signal.QueueDepth);
        _bursts.Observe(now, signal.Arrivals, observed);
        if (signal.Arrivals > 0 || observed > 0)
        {
            _lastArrival = now;
        }

        // Safety, as KPA's panic mode: never below what the load in flight and held right now needs.
        int current = InstancesFor(observed);
        int desired = current;
        var explain = signal.Explain;
        string reason = explain ? KpaAutoscaler.Format($"current: {observed:0.0} conc / target {_options.TargetConcurrency:0.##} -> {current}") : "";

        if (tick > TimeSpan.Zero)
        {
            double rate = signal.Arrivals / tick.TotalSeconds;
            _rate.Observe(rate);
            _rateAverage += ServiceSmoothing * (rate - _rateAverage);
            _concurrencyAverage += ServiceSmoothing * (observed - _concurrencyAverage);

            // A decision takes effect on the next tick and then needs LoadTime to become capacity.
            var horizon = signal.LoadTime + tick;
            double steps = horizon / tick;
            double trend = _rate.SignificantTrend(steps, TrendNoise);
            double upper = Math.Max(0, _rate.Level + trend + (Quantile * _rate.Deviation));
            // Little's law: concurrency = rate x service time (queueing included, which is what the target caps).
            double service = _rateAverage > 0 ? _concurrencyAverage / _rateAverage : 0;
            // The smoothed rate only decays towards zero; after a stable window without load it is zero (as KPA's
            // window average), and whether the last instance stays is the keep-alive policy's business.
            bool quiet = _lastArrival is not { } seen || now - seen >= _options.StableWindow;
            int forecast = quiet ? 0 : InstancesFor(upper * service);
            if (forecast > desired)
            {
                desired = forecast;
                reason = !explain ? "" : KpaAutoscaler.Format(
                    $"predictive: rate {_rate.Level:0.00}/s{(trend != 0 ? KpaAutoscaler.Format($" {trend:+0.00;-0.00} trend") : "")} + {Quantile:0.##} x {_rate.Deviation:0.00} in {horizon.TotalSeconds:0.#}s x {service:0.###}s service / target {_options.TargetConcurrency:0.##} -> {forecast}");
            }

            // Scale down only once the need has stayed lower for a load time: an instance released sooner would
            // likely be reloaded, and the reload costs as much instance-time as keeping it.
            _needs.Add(now, desired);
            int held = quiet ? 0 : (int)_needs.Max(now, signal.LoadTime + tick);
            if (held > desired)
            {
                if (explain)
                {
                    reason += KpaAutoscaler.Format($" (holding {held} for {signal.LoadTime.TotalSeconds:0.#}s)");
                }

                desired = held;
            }

            int forBurst = PeriodicNeed(now, horizon);
            if (forBurst > desired)
            {
                desired = forBurst;
                reason = explain ? _holdReason : "";
            }
        }

        // Releasing ready instances while others load would leave less capacity than either count.
        int have = signal.ReadyInstances + signal.LoadingInstances;
        if (signal.LoadingInstances > 0 && desired < have)
        {
            desired = have;
            if (explain)
            {
                reason += KpaAutoscaler.Format($"; {signal.LoadingInstances} loading, holding {have}");
            }
        }

        if (desired < 1 && (signal.Arrivals > 0 || signal.QueueDepth > 0))
        {
            desired = 1;
            if (explain)
            {
                reason += "; request waiting at zero -> 1";
            }
        }

        if (desired > _options.MaxInstances)
        {
            desired = _options.MaxInstances;
            if (explain)
            {
                reason += KpaAutoscaler.Format($"; clamped to max {desired}");
            }
        }
        else if (desired < _options.MinInstances)
        {
            desired = _options.MinInstances;
            if (explain)
            {
                reason += KpaAutoscaler.Format($"; raised to min {desired}");
            }
        }

        return new ScaleDecision(desired, current > signal.ReadyInstances, reason);
    }

    private int PeriodicNeed(DateTimeOffset now, TimeSpan horizon)
    {
        // Open a hold once the predicted onset is within the horizon; it lasts through the expected burst.
        if (_bursts.NextOnset(out var period) is { } next && now >= next - horizon && (_holdUntil is null || now > _holdUntil))
        {
            var slack = PeriodicBurstDetector.QuietGap > period * 0.1 ? PeriodicBurstDetector.QuietGap : period * 0.1;
            _holdUntil = next + _bursts.TypicalDuration + slack;
            _holdInstances = InstancesFor(_bursts.TypicalPeak);
            _holdReason = KpaAutoscaler.Format(
                $"predictive: periodic burst every {period.TotalSeconds:0.#}s expected in {(next - now).TotalSeconds:0.#}s, peak {_bursts.TypicalPeak:0.0} conc / target {_options.TargetConcurrency:0.##} -> {_holdInstances}");
        }

        return _holdUntil is { } until && now <= until ? _holdInstances : 0;
    }

    private int InstancesFor(double concurrency) =>
        concurrency <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(concurrency / _options.TargetConcurrency));
}
