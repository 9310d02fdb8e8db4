namespace Stoke.Simulator.Results;

/// <summary>
/// One scaling or keep-alive decision of a replay, in the live server's vocabulary (FunctionGrain's decision log):
/// <c>start</c>, <c>ready</c>, <c>stop</c> (released by keep-alive or scale-down), <c>evict</c> (memory pressure)
/// and <c>scale</c> (the controller's target changed, or it started or released something).
/// </summary>
/// <param name="At">Virtual time of the decision.</param>
/// <param name="Target">The controller's target for <c>scale</c> events; the function's instance count otherwise.</param>
public sealed record DecisionEvent(DateTimeOffset At, string Function, string Kind, string InstanceId, int Target, string Detail);
