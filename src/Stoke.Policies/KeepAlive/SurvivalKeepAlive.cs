using System.Globalization;
using Stoke.Abstractions.Policies;

namespace Stoke.Policies.KeepAlive;

/// <summary>
/// Keep-alive as caching, in FaasCache's view (Fuerst and Sharma, ASPLOS'21): a warm instance is worth the cold starts
/// it saves, weighed against the idle memory it holds. Per function, the keep-alive is the break-even of its own
/// idle-time survival curve (<see cref="IdleTimeSurvival"/>) at one price of a cold start for every function, so idle
/// memory goes where it saves the most cold starts. The price follows from the fixed TTL, the policy's one knob: a
/// fixed TTL T buys cold starts at the margin at about <see cref="PriceRatio"/> x T of idle time each on heavy-tailed
/// idle times, and the prior (a Pareto tail of index 1 / <see cref="PriceRatio"/>) has its break-even at exactly T. So a
/// function with no history keeps T, a function with a little keeps close to T, and only intervals of idle time that
/// enough gaps reached move its keep-alive away from T, and only when that gains at least <see cref="MinGain"/> of a
/// cold start per idle time: an unconfirmed function keeps exactly T.
/// </summary>
internal sealed class SurvivalKeepAlive : IKeepAlivePolicy
{
    /// <summary>
    /// Idle time per saved cold start at the margin of a fixed TTL, as a multiple of the TTL: 1 / the tail index of the
    /// idle times. GenTD26's pooled idle times give 2.2 at every TTL from 1 minute to 4 hours; of 2 and 2.5, tried in
    /// <c>stoke sim eval</c> on GenTD26 (whole and thirds), 2.5 saved more at the median and lost less on the thirds.
    /// </summary>
    internal const double PriceRatio = 2.5;

    /// <summary>Idle times the prior counts for in each interval of the survival curve.</summary>
    internal const double PriorWeight = 20;

    /// <summary>
    /// Least gain, in cold starts per idle time, for which a function leaves the TTL. Near the TTL the value of a
    /// keep-alive is flat (the prior's break-even is there), so a few gaps in the tail would move the best edge far
    /// for a gain of almost nothing and pay for it in the next gaps. 0.02, chosen on GenTD26 days 1-4 and 5-9 only: the
    /// smallest of 0.005, 0.01, 0.02 and 0.04 with which days 5-9 lost nothing beyond noise (0 lost 4.2%, 0.01 1.8%)
    /// under the protocol's point-by-point rule of then; under its curve-to-curve rule days 5-9 lose 2.0% (docs/simulator.md).
    /// </summary>
    internal const double MinGain = 0.02;

    /// <summary>Where the prior's Pareto tail starts (idle times below it are certain to end later).</summary>
    private const double PriorScaleMinutes = 0.5;

    private readonly TimeSpan _ttl;
    private readonly double _price;
    private readonly IdleTimeSurvival _survival;
    private DateTimeOffset? _lastArrival;
    private KeepAliveWindow _window;

    public SurvivalKeepAlive(TimeSpan ttl)
    {
        _ttl = ttl;
        _price = PriceRatio * ttl.TotalMinutes;
        const double index = 1 / PriceRatio;
        _survival = new IdleTimeSurvival(t => t <= PriorScaleMinutes ? 1 : Math.Pow(PriorScaleMinutes / t, index), PriorWeight);
        _window = new KeepAliveWindow(TimeSpan.Zero, ttl, Format($"survival-ttl: no idle times yet, keep alive the TTL {ttl}"));
    }

    public void OnArrivals(DateTimeOffset first, DateTimeOffset last, long count)
    {
        if (count <= 0)
        {
            return;
        }

        if (_lastArrival is { } previous && first >= previous)
        {
            _survival.Add(first - previous);
        }

        // The gaps inside one control interval are shorter than the interval: all in the first one.
        _survival.Add(TimeSpan.Zero, count - 1);
        _lastArrival = last;
        if (_survival.Count > 0)
        {
            var (keepAlive, value) = _survival.BestKeepAlive(_price, _ttl, MinGain);
            _window = new KeepAliveWindow(TimeSpan.Zero, keepAlive, keepAlive == _ttl
                ? Format($"survival-ttl: {_survival.Count} idle times, keep alive the TTL {_ttl.TotalMinutes:0.##}m (no keep-alive gains {MinGain} cold starts per gap over it at a cold start = {_price:0.##}m idle)")
                : Format($"survival-ttl: {_survival.Count} idle times, keep alive {keepAlive.TotalMinutes:0.##}m (break-even at a cold start = {_price:0.##}m idle, {value:0.##}m saved per gap; TTL {_ttl.TotalMinutes:0.##}m)"));
        }
    }

    public KeepAliveWindow CurrentWindow() => _window;

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
