namespace Stoke.Policies.KeepAlive;

/// <summary>
/// A function's idle times as a survival curve on a geometric grid (0, 1 min, then 15% apart up to a day), each
/// interval's chance of the next request arriving in it (given none came before) shrunk toward a prior: the estimate
/// for an interval is (arrivals in it + w x prior chance) / (idle times still running at its start + w). An interval
/// few idle times reach (the tail, for a function with a handful of long gaps) keeps the prior's chance, one that
/// many reach follows the data: a tail decision is never made on three samples, whatever the total count.
/// </summary>
internal sealed class IdleTimeSurvival
{
    private const double GridGrowth = 1.15;
    private static readonly TimeSpan GridStart = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan GridEnd = TimeSpan.FromDays(1);

    private readonly double[] _edgesMinutes;
    private readonly double[] _priorChance;
    private readonly long[] _arrivals;
    private readonly double _priorWeight;
    private long _pastGrid;

    /// <param name="prior">Survival of the prior idle-time distribution at a time in minutes.</param>
    /// <param name="priorWeight">Idle times the prior counts for in each interval.</param>
    public IdleTimeSurvival(Func<double, double> prior, double priorWeight)
    {
        var edges = new List<double> { 0 };
        for (var t = GridStart.TotalMinutes; t <= GridEnd.TotalMinutes; t *= GridGrowth)
        {
            edges.Add(t);
        }

        _edgesMinutes = [.. edges];
        _priorChance = new double[_edgesMinutes.Length - 1];
        for (var k = 0; k < _priorChance.Length; k++)
        {
            var start = prior(_edgesMinutes[k]);
            _priorChance[k] = start <= 0 ? 1 : 1 - (prior(_edgesMinutes[k + 1]) / start);
        }

        _arrivals = new long[_priorChance.Length];
        _priorWeight = priorWeight;
    }

    /// <summary>Idle times seen.</summary>
    public long Count { get; private set; }

    public void Add(TimeSpan idle, long count = 1)
    {
        if (count <= 0)
        {
            return;
        }

        Count += count;
        var minutes = Math.Max(0, idle.TotalMinutes);
        var k = Array.BinarySearch(_edgesMinutes, minutes);
        k = k >= 0 ? k : ~k - 1;
        if (k >= _arrivals.Length)
        {
            _pastGrid += count;
        }
        else
        {
            _arrivals[k] += count;
        }
    }

    /// <summary>
    /// The grid edge T that maximises <paramref name="coldStartCostMinutes"/> x P(idle &lt;= T) - E[min(idle, T)] on the
    /// shrunk curve (cold starts saved, weighted by their cost, less the idle instance-time held per gap), and that value;
    /// but <paramref name="stay"/> unless that edge beats keeping <paramref name="stay"/> (valued at the last edge not past
    /// it) by at least <paramref name="minGain"/> cold starts per idle time.
    /// </summary>
    public (TimeSpan KeepAlive, double Value) BestKeepAlive(double coldStartCostMinutes, TimeSpan stay, double minGain)
    {
        var stayMinutes = stay.TotalMinutes;
        var stayValue = 0.0;
        var atRisk = Count;
        var survival = 1.0;
        var idle = 0.0;
        var (best, bestValue) = (0.0, 0.0);
        for (var k = 0; k < _arrivals.Length; k++)
        {
            var chance = (_arrivals[k] + (_priorWeight * _priorChance[k])) / (atRisk + _priorWeight);
            var next = survival * (1 - chance);
            idle += (_edgesMinutes[k + 1] - _edgesMinutes[k]) * (survival + next) / 2;
            survival = next;
            atRisk -= _arrivals[k];
            var value = (coldStartCostMinutes * (1 - survival)) - idle;
            // Within 0.1%: a TTL written to two decimals (153.15 min) is the edge it rounds.
            if (_edgesMinutes[k + 1] <= stayMinutes * 1.001)
            {
                stayValue = value;
            }

            if (value > bestValue)
            {
                (best, bestValue) = (_edgesMinutes[k + 1], value);
            }
        }

        if (bestValue - stayValue < minGain * coldStartCostMinutes)
        {
            return (stay, stayValue);
        }

        return (TimeSpan.FromMinutes(best), bestValue);
    }
}
