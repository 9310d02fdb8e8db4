namespace Stoke.Policies.KeepAlive;

/// <summary>Tunables of the histogram keep-alive policies; the defaults follow Shahrad et al. (ATC'20).</summary>
public sealed record HistogramOptions
{
    /// <summary>Width of one bin (the paper uses minutes).</summary>
    public TimeSpan BinWidth { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest idle time the histogram tracks (the paper's 4 hours).</summary>
    public TimeSpan Range { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Fewest in-range idle times before the histogram is trusted.</summary>
    public int MinSamples { get; init; } = 10;

    /// <summary>Bin counts must vary at least this much (a flat histogram predicts nothing).</summary>
    public double CvThreshold { get; init; } = 2;

    /// <summary>Largest share of idle times past the range before the histogram is not trusted.</summary>
    public double MaxOutOfBoundsShare { get; init; } = 0.5;

    /// <summary>Percentile that sets the pre-warm window.</summary>
    public double HeadPercentile { get; init; } = 5;

    /// <summary>Percentile that sets the end of the keep-alive window.</summary>
    public double TailPercentile { get; init; } = 99;

    /// <summary>
    /// When set, the keep-alive window ends where it pays best instead of at <see cref="TailPercentile"/>: at the bin
    /// edge T that maximises (share of idle times <= T) x this cost - (expected idle instance-time per gap when kept
    /// for T), counting idle times past the range. A cold start is taken to cost this much idle instance-time. The
    /// percentile rule gives rarely used functions with long gaps hours of keep-alive for few saved cold starts;
    /// this rule spends idle time where it saves the most cold starts. Null keeps the paper's percentile rule.
    /// </summary>
    public TimeSpan? ColdStartCost { get; init; }

    /// <summary>Shortest pre-warm gap worth unloading for; a shorter one keeps the instance warm from the start.</summary>
    public TimeSpan MinUnloadGap { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Safety margin: pre-warm this much earlier and keep alive this much longer.</summary>
    public double Margin { get; init; } = 0.10;

    /// <summary>Idle times the long/short policy's short-term histogram covers.</summary>
    public int ShortTermSamples { get; init; } = 20;

    /// <summary>Relative difference between short- and long-term windows that counts as a change of behaviour.</summary>
    public double DisagreementShare { get; init; } = 0.5;
}
