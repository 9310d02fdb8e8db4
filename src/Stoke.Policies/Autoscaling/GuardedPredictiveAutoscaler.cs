using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.Autoscaling;

/// <summary>
/// The predictive autoscaler where its forecasts have come true, KPA elsewhere. Both decide every tick on the same
/// signal; each decision is scored when it would have become capacity (one load time and a tick later) against the
/// instances the load then needed. The predictive answer is taken only while its recent error (an EWMA over about
/// 40 scored ticks) is below KPA's and arrivals are dense enough to have a rate (at least one per tick on average),
/// so a function whose traffic the forecast cannot follow (GenTD26's models, minutes or hours between requests) pays
/// for no forecast that did not come true and scales exactly as KPA does.
/// </summary>
internal sealed class GuardedPredictiveAutoscaler : IAutoscaler
{
    private const double ScoreSmoothing = 0.025;

    /// <summary>Scored ticks before the predictive answer may be taken at all.</summary>
    private const int WarmUpScores = 20;

    /// <summary>Arrivals per tick below which a rate forecast is noise (counts of 0 and 1): KPA decides there.</summary>
    private const double DenseArrivals = 1;

    private readonly ScalingOptions _options;
    private readonly KpaAutoscaler _kpa;
    private readonly PredictiveAutoscaler _predictive;
    private readonly Queue<(DateTimeOffset Due, int Kpa, int Predictive)> _pending = new();
    private double _kpaError;
    private double _predictiveError;
    private int _scores;
    private DateTimeOffset? _lastTick;
    private double _arrivalsPerTick;

    public GuardedPredictiveAutoscaler(ScalingOptions options)
    {
        _options = options;
        _kpa = new KpaAutoscaler(options);
        _predictive = new PredictiveAutoscaler(options);
    }

    /// <summary>True while the predictive answer is the one taken.</summary>
    public bool Trusted => _scores >= WarmUpScores && _arrivalsPerTick >= DenseArrivals && _predictiveError < _kpaError;

    public ScaleDecision Decide(in ScaleSignal signal)
    {
        var kpa = _kpa.Decide(signal);
        var predictive = _predictive.Decide(signal);
        var need = InstancesFor(Math.Max(signal.Concurrency, signal.QueueDepth));
        _arrivalsPerTick += ScoreSmoothing * (signal.Arrivals - _arrivalsPerTick);
        while (_pending.TryPeek(out var due) && due.Due <= signal.Now)
        {
            _pending.Dequeue();
            _kpaError += ScoreSmoothing * (Math.Abs(due.Kpa - need) - _kpaError);
            _predictiveError += ScoreSmoothing * (Math.Abs(due.Predictive - need) - _predictiveError);
            _scores++;
        }

        // A decision becomes capacity once an instance started at the next tick has loaded.
        var tick = _lastTick is { } last && signal.Now > last ? signal.Now - last : TimeSpan.Zero;
        _lastTick = signal.Now;
        var horizon = signal.LoadTime + tick;
        _pending.Enqueue((signal.Now + horizon, kpa.DesiredInstances, predictive.DesiredInstances));
        if (!Trusted)
        {
            return signal.Explain ? kpa with { Reason = kpa.Reason + KpaAutoscaler.Format($" (forecast not trusted: error {_predictiveError:0.00} vs kpa {_kpaError:0.00})") } : kpa;
        }

        // A burst is where an error averaged over 40 ticks says least, and an instance too few there costs attainment
        // at once: while KPA panics, the forecast may add instances to its answer but not take any away.
        if (kpa.Panicking && kpa.DesiredInstances > predictive.DesiredInstances)
        {
            return signal.Explain ? kpa with { Reason = kpa.Reason + KpaAutoscaler.Format($" (panicking above the trusted forecast's {predictive.DesiredInstances})") } : kpa;
        }

        return signal.Explain ? predictive with { Reason = predictive.Reason + KpaAutoscaler.Format($" (forecast trusted: error {_predictiveError:0.00} vs kpa {_kpaError:0.00})") } : predictive;
    }

    private int InstancesFor(double concurrency) =>
        concurrency <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(concurrency / _options.TargetConcurrency));
}
