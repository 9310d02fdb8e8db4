using Stoke.Simulator.Results;

namespace Stoke.Simulator.Evaluation;

/// <summary>
/// A keep-alive curve's best operating points: its runs' lower envelope in wasted memory against cold-start rate. Each
/// cold-start level keeps its cheapest run, a level that another with fewer cold starts matches in memory is dropped
/// (nobody would choose it), and the curve is linear between the levels left. Both sides of a comparison are read
/// off such an envelope, so a candidate is judged by its best settings as the fixed TTL is by its own: on a staircase
/// of whole cold starts (a small slice, where several TTLs share one count) neither is charged for a TTL in the
/// middle of a stair.
/// </summary>
internal sealed class OperatingCurve
{
    // Cold-start rate strictly rising, wasted memory strictly falling.
    private readonly (double Rate, double Wasted)[] _levels;

    public OperatingCurve(IEnumerable<RunResult> runs)
    {
        var levels = new List<(double Rate, double Wasted)>();
        foreach (var run in runs.OrderBy(r => r.ColdStartRate).ThenBy(r => r.WastedGbSeconds))
        {
            if (levels.Count == 0 || run.WastedGbSeconds < levels[^1].Wasted)
            {
                levels.Add((run.ColdStartRate, run.WastedGbSeconds));
            }
        }

        _levels = [.. levels];
    }

    /// <summary>The cold-start rates of the levels, fewest first.</summary>
    public IEnumerable<double> Rates => _levels.Select(l => l.Rate);

    /// <summary>Whether <paramref name="rate"/> lies between the curve's first and last level.</summary>
    public bool Covers(double rate) => _levels.Length > 0 && rate >= _levels[0].Rate && rate <= _levels[^1].Rate;

    /// <summary>The wasted memory at <paramref name="rate"/>, linear between the two levels around it; null outside the curve.</summary>
    public double? WastedAt(double rate)
    {
        if (!Covers(rate))
        {
            return null;
        }

        var i = 1;
        while (i < _levels.Length && _levels[i].Rate < rate)
        {
            i++;
        }

        if (i == _levels.Length || _levels[i].Rate == rate)
        {
            return _levels[Math.Min(i, _levels.Length - 1)].Wasted;
        }

        var (lo, hi) = (_levels[i - 1], _levels[i]);
        return lo.Wasted + ((rate - lo.Rate) / (hi.Rate - lo.Rate) * (hi.Wasted - lo.Wasted));
    }

    /// <summary>The fewest cold starts (as a rate) the curve reaches with <paramref name="wasted"/> memory, linear between levels; null outside it.</summary>
    public double? RateWith(double wasted)
    {
        if (_levels.Length == 0 || wasted > _levels[0].Wasted || wasted < _levels[^1].Wasted)
        {
            return null;
        }

        var i = 0;
        while (_levels[i].Wasted > wasted)
        {
            i++;
        }

        if (i == 0 || _levels[i].Wasted == wasted)
        {
            return _levels[i].Rate;
        }

        var (lo, hi) = (_levels[i - 1], _levels[i]);
        return lo.Rate + ((lo.Wasted - wasted) / (lo.Wasted - hi.Wasted) * (hi.Rate - lo.Rate));
    }
}
