namespace Stoke.Abstractions.Policies;

/// <summary>What a function's control loop observed in one tick; the autoscaler keeps its own windows over these.</summary>
/// <param name="Now">Time of the tick.</param>
/// <param name="Concurrency">Average requests in flight or queued for the function since the last tick.</param>
/// <param name="Arrivals">Requests that arrived since the last tick.</param>
/// <param name="QueueDepth">Requests held by the activator right now (no instance could take them).</param>
/// <param name="ReadyInstances">Instances serving.</param>
/// <param name="LoadingInstances">Instances still loading; they count, so a slow cold start does not start more than needed.</param>
/// <param name="LoadTime">The function's measured cold-start time (0 when unknown).</param>
/// <param name="Explain">Whether anyone reads the decision's reason (a decision log is attached). When false the
/// autoscaler may leave <see cref="ScaleDecision.Reason"/> empty: a replay of 100,000 functions with no log attached
/// would otherwise spend much of its time formatting reasons nobody reads. Never changes the decision itself.</param>
public readonly record struct ScaleSignal(
    DateTimeOffset Now,
    double Concurrency,
    long Arrivals,
    int QueueDepth,
    int ReadyInstances,
    int LoadingInstances,
    TimeSpan LoadTime,
    bool Explain = true);

/// <summary>The instance count an autoscaler wants, and why, in words an operator can read (empty when the signal did not
/// ask for an explanation).</summary>
public readonly record struct ScaleDecision(int DesiredInstances, bool Panicking, string Reason);

/// <summary>Per-function autoscaler state; one object per function, fed one signal per tick.</summary>
public interface IAutoscaler
{
    ScaleDecision Decide(in ScaleSignal signal);
}
