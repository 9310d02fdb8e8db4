namespace Stoke.Simulator.Evaluation;

/// <summary>
/// One slice of one trace for the evaluation protocol: a period and a set of functions (clients) with the settings
/// the experiments use, as a run for each seed. <see cref="Tuned"/> marks the slices a policy was developed on; the
/// protocol reports them apart from the others.
/// </summary>
/// <param name="Trace">The trace, e.g. <c>servegen m-small</c>.</param>
/// <param name="Name">The slice within it, e.g. <c>hours 60-62, largest 12 clients</c>.</param>
/// <param name="Role">Whether the policies were tuned on it, on data it is part of, or never on it.</param>
/// <param name="Run">The baseline run of this slice for a seed (its workload drawn with that seed).</param>
public sealed record EvaluationSlice(string Trace, string Name, SliceRole Role, Func<int, SimulationOptions> Run)
{
    public bool Tuned => Role == SliceRole.Tuned;
}

/// <summary>What a slice is to the policies compared on it.</summary>
public enum SliceRole
{
    /// <summary>Their parameters were chosen on it.</summary>
    Tuned,

    /// <summary>A part of a tuned slice (another period of the same data): not independent of the tuning.</summary>
    PartOfTuned,

    /// <summary>Never looked at while tuning.</summary>
    HeldOut,
}
