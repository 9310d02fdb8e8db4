namespace Stoke.Abstractions.Usage;

/// <summary>
/// The power model energy is estimated with, the same in the server and the simulator: a busy core draws
/// <see cref="WattsPerCore"/> above idle, memory held draws <see cref="WattsPerGb"/>, and a node draws
/// <see cref="NodeIdleWatts"/> while it holds any instance and <see cref="NodeSleepWatts"/> while it holds none (it
/// may be suspended or powered down). A request is charged its cores' and its memory's share; the nodes' static power
/// is a cluster's, not a request's. The defaults are typical figures, not this machine's: set them from the node's
/// own measurements (RAPL, where <c>/sys/class/powercap</c> is readable, reports the package's real energy beside).
/// </summary>
public sealed record EnergyModel
{
    /// <summary>Dynamic power of one busy core (a 2-socket server's ~250 W above idle over 32 cores).</summary>
    public double WattsPerCore { get; init; } = 8;

    /// <summary>Power of one GB of memory held (the Cloud Carbon Footprint coefficient for DRAM, 0.392 W/GB).</summary>
    public double WattsPerGb { get; init; } = 0.392;

    /// <summary>Power of an awake node with nothing to do.</summary>
    public double NodeIdleWatts { get; init; } = 100;

    /// <summary>Power of a node holding no instance (suspended; its management controller still draws).</summary>
    public double NodeSleepWatts { get; init; } = 10;

    /// <summary>Joules of one request: its cores for its share of the engine time, plus its memory-time.</summary>
    /// <param name="computeMs">Engine time of the batch (or sequence) the request ran in.</param>
    /// <param name="cores">Cores the engine keeps busy during that time (its threads).</param>
    /// <param name="sharedBy">Requests that shared that time.</param>
    /// <param name="memoryMbSeconds">The request's memory-time (already its share).</param>
    public double RequestJoules(double computeMs, int cores, int sharedBy, double memoryMbSeconds) =>
        (Math.Max(0, computeMs) / 1000.0 * Math.Max(1, cores) * WattsPerCore / Math.Max(1, sharedBy))
        + (Math.Max(0, memoryMbSeconds) / 1024.0 * WattsPerGb);

    /// <summary>Joules of a node's static power over time awake (holding instances) and asleep.</summary>
    public double NodeJoules(double awakeSeconds, double asleepSeconds) =>
        (Math.Max(0, awakeSeconds) * NodeIdleWatts) + (Math.Max(0, asleepSeconds) * NodeSleepWatts);
}
