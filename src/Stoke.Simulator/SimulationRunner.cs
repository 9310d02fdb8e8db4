using Stoke.Simulator.Engine;
using Stoke.Simulator.Results;

namespace Stoke.Simulator;

/// <summary>Replays one configuration through the server's policy objects on a virtual clock.</summary>
public static class SimulationRunner
{
    /// <summary>Runs the replay to the end of the workload; <paramref name="progress"/> gets 0..1 as requests are consumed.</summary>
    public static SimulationReport Run(SimulationOptions options, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Simulation(options).Run(progress);
    }
}
