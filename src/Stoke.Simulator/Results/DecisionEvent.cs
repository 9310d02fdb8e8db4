namespace Stoke.Simulator.Results;

/// <summary>
/// One decision of a replay, exactly as the server's controller logs it: <c>start</c>, <c>ready</c>, <c>stop</c>
/// (released by keep-alive or scale-down), <c>gone</c> (evicted under memory pressure), <c>start-failed</c> and
/// <c>scale</c> (the controller's target changed, or it started or released something).
/// </summary>
/// <param name="At">Virtual time of the decision.</param>
/// <param name="Target">The controller's target for <c>scale</c> events; the function's instance count otherwise.</param>
public sealed record DecisionEvent(DateTimeOffset At, string Function, string Kind, string InstanceId, int Target, string Detail);
