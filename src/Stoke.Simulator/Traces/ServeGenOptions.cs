namespace Stoke.Simulator.Traces;

/// <summary>How arrivals are generated from ServeGen's per-client windows.</summary>
public sealed record ServeGenOptions
{
    /// <summary>Where in the trace (seconds from its start) generation begins.</summary>
    public TimeSpan Start { get; init; }

    /// <summary>How much of the trace to generate.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Multiplies every window's rate (ServeGen's rates are a whole region's; scale them to one deployment).</summary>
    public double RateScale { get; init; } = 1;

    /// <summary>At most this many client files, in file-name order (0: all).</summary>
    public int MaxClients { get; init; }

    /// <summary>Mean service time; each request's is log-normal around it (sigma 0.5).</summary>
    public TimeSpan MeanExecutionTime { get; init; } = TimeSpan.FromSeconds(1);

    public int Seed { get; init; } = 1;
}
