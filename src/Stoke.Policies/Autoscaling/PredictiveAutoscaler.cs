using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Autoscaling;

/// <summary>
/// Scales ahead of load by at least the function's cold-start time, in the spirit of MArK (Zhang et al., ATC'19),
/// BARISTA (Bhattacharjee et al., SC'19) and Fifer (Gunasekaran et al., Middleware'20). Two forecasts: Holt's double
/// exponential smoothing of the arrival rate catches ramps, and a detector of periodic bursts pre-provisions for
/// the next one. Instances needed follow from Little's law (rate x service time / target); the decision is never
/// below KPA's, which still handles panics and scale-down.
/// </summary>
internal sealed class PredictiveAutoscaler : IAutoscaler
{
    // Smoothing for the level and the trend; heavy enough on recent ticks to follow a ramp within a few seconds.
    private const double LevelSmoothing = 0.5;
    private const double TrendSmoothing = 0.3;

    /// <summary>Consecutive ticks of rising arrival rate before the trend is trusted.</summary>
    private const int RampTicks = 3;

    private readonly ScalingOptions _options;
    private readonly KpaAutoscaler _kpa;
    private readonly PeriodicBurstDetector _bursts = new();
    private DateTimeOffset? _lastTick;
    private double? _level;
    private double _trend;
    private int _risingTicks;
    private double _lastRate;
    private double? _serviceSeconds;
    private DateTimeOffset? _holdUntil;
    private int _holdInstances;
    private string _holdReason = "";

    public PredictiveAutoscaler(ScalingOptions options)
    {
        _options = options;
        _kpa = new KpaAutoscaler(options);
    }

    public ScaleDecision Decide(in ScaleSignal signal)
    {
        var reactive = _kpa.Decide(signal);
        var now = signal.Now;
        var tick = _lastTick is { } last && now > last ? now - last : TimeSpan.Zero;
        _lastTick = now;
        _bursts.Observe(now, signal.Arrivals, Math.Max(signal.Concurrency, signal.QueueDepth));
        if (tick <= TimeSpan.Zero)
        {
            return reactive;
        }

        // A decision takes effect on the next tick and then needs LoadTime to become capacity.
        var horizon = signal.LoadTime + tick;
        double rate = signal.Arrivals / tick.TotalSeconds;
        UpdateForecast(rate, signal.Concurrency);

        int desired = reactive.DesiredInstances;
        string reason = reactive.Reason;

        // Extrapolate only a sustained ramp: a single step (a burst's first tick) would otherwise read as a steep
        // trend, and without a ramp KPA's windows already follow the current rate.
        double forecastRate = Math.Max(0, _level!.Value + (_trend * horizon.TotalSeconds));
        if (_risingTicks >= RampTicks && _serviceSeconds is { } service && forecastRate > 0)
        {
            int forRamp = InstancesFor(forecastRate * service);
            if (forRamp > desired)
            {
                desired = forRamp;
                reason = KpaAutoscaler.Format(
                    $"predictive: forecast {forecastRate:0.0}/s in {horizon.TotalSeconds:0.#}s x {service:0.###}s service / target {_options.TargetConcurrency:0.##} -> {forRamp} (kpa {reactive.DesiredInstances})");
            }
        }

        int forBurst = PeriodicNeed(now, horizon);
        if (forBurst > desired)
        {
            desired = forBurst;
            reason = _holdReason + KpaAutoscaler.Format($" (kpa {reactive.DesiredInstances})");
        }

        if (desired == reactive.DesiredInstances)
        {
            return reactive;
        }

        if (desired > _options.MaxInstances)
        {
            desired = _options.MaxInstances;
            reason += KpaAutoscaler.Format($"; clamped to max {desired}");
        }

        return new ScaleDecision(desired, reactive.Panicking, reason);
    }

    private void UpdateForecast(double rate, double concurrency)
    {
        // A ramp is the observed rate rising tick after tick (the smoothed level can rise while rates sit at zero).
        _risingTicks = rate > _lastRate ? _risingTicks + 1 : 0;
        _lastRate = rate;
        if (_level is not { } level)
        {
            _level = rate;
        }
        else
        {
            double next = (LevelSmoothing * rate) + ((1 - LevelSmoothing) * (level + _trend));
            _trend = (TrendSmoothing * (next - level)) + ((1 - TrendSmoothing) * _trend);
            _level = next;
        }

        // Little's law: concurrency = rate x service time, so service time = concurrency / rate.
        if (rate > 0 && concurrency > 0)
        {
            double observed = concurrency / rate;
            _serviceSeconds = _serviceSeconds is { } old ? old + (0.3 * (observed - old)) : observed;
        }
    }

    private int PeriodicNeed(DateTimeOffset now, TimeSpan horizon)
    {
        // Open a hold once the predicted onset is within the horizon; it lasts through the expected burst, so the
        // instances stay while KPA's windows catch up with the burst's load.
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
