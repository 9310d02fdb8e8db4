using Stoke.Abstractions.Functions;

namespace Stoke.Control.Controller;

/// <summary>
/// One control decision with its inputs, so an operator can ask why a function scaled: <c>start</c>, <c>ready</c>,
/// <c>start-failed</c>, <c>stop</c>, <c>gone</c>, <c>scale</c>, <c>refused</c>.
/// </summary>
/// <param name="InstanceId">The instance concerned, or null for function-wide decisions.</param>
/// <param name="Target">The instance count the controller aimed for at that moment.</param>
public readonly record struct ControlEvent(DateTimeOffset At, string Kind, string? InstanceId, int Target, string Detail)
{
    /// <summary>The event as the status API shows it.</summary>
    public ScalingEvent ToScalingEvent() => new(At, Kind, InstanceId is null ? Detail : InstanceId + ": " + Detail);
}

/// <summary>Where a controller's decisions go: a bounded log for the status API, a logger, the simulator's record.</summary>
public interface IDecisionSink
{
    void Record(in ControlEvent decision);
}

/// <summary>The most recent decisions, bounded; the status API shows them.</summary>
public sealed class DecisionLog(int capacity) : IDecisionSink
{
    private readonly Queue<ControlEvent> _events = new();

    public void Record(in ControlEvent decision)
    {
        _events.Enqueue(decision);
        while (_events.Count > capacity)
        {
            _events.Dequeue();
        }
    }

    public ControlEvent[] ToArray() => [.. _events];
}
