namespace Stoke.Policies.Autoscaling;

/// <summary>
/// Holt's double exponential smoothing of a function's arrival rate, with an exponentially weighted variance of its
/// one-step forecast errors, so a caller can ask for an upper quantile of the rate some time ahead and can tell a
/// real trend from the noise of a bursty arrival process.
/// </summary>
internal sealed class RateForecast(double levelSmoothing, double trendSmoothing, double varianceSmoothing)
{
    private bool _started;

    /// <summary>Smoothed rate (per second).</summary>
    public double Level { get; private set; }

    /// <summary>Smoothed change of the rate per observation.</summary>
    public double Trend { get; private set; }

    /// <summary>Standard deviation of the one-step forecast error (per second).</summary>
    public double Deviation => Math.Sqrt(_variance);

    private double _variance;

    public void Observe(double rate)
    {
        if (!_started)
        {
            _started = true;
            Level = rate;
            return;
        }

        double error = rate - (Level + Trend);
        _variance += varianceSmoothing * ((error * error) - _variance);
        double level = (levelSmoothing * rate) + ((1 - levelSmoothing) * (Level + Trend));
        Trend = (trendSmoothing * (level - Level)) + ((1 - trendSmoothing) * Trend);
        Level = level;
    }

    /// <summary>
    /// The trend extrapolated over <paramref name="steps"/> observations when it stands out of the noise (more than
    /// <paramref name="noiseMultiple"/> forecast-error deviations over the horizon), otherwise 0.
    /// </summary>
    public double SignificantTrend(double steps, double noiseMultiple) =>
        Math.Abs(Trend * steps) > noiseMultiple * Deviation ? Trend * steps : 0;
}
