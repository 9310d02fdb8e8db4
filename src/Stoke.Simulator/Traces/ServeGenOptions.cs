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

    /// <summary>At most this many client files (0: all), chosen by <see cref="Selection"/>.</summary>
    public int MaxClients { get; init; }

    /// <summary>Which clients <see cref="MaxClients"/> keeps: file-name order, the busiest, or a seeded random draw.</summary>
    public ClientSelection Selection { get; init; } = ClientSelection.First;

    /// <summary>Mean service time; each request's is log-normal around it (sigma 0.5).</summary>
    public TimeSpan MeanExecutionTime { get; init; } = TimeSpan.FromSeconds(1);

    public int Seed { get; init; } = 1;
}

/// <summary>How <see cref="ServeGenOptions.MaxClients"/> picks clients from a folder.</summary>
public enum ClientSelection
{
    /// <summary>The first in file-name order (chunk-0, chunk-1, chunk-10, ...): reproducible, but not representative.</summary>
    First,

    /// <summary>The clients with the most expected requests in the generated period (rate x window overlap).</summary>
    Largest,

    /// <summary>A uniform random draw without replacement, from <see cref="ServeGenOptions.Seed"/>.</summary>
    Random,
}
