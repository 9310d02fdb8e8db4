namespace Stoke.Simulator.Traces;

/// <summary>One request of a workload: when it arrives, which function it calls and how long it computes.</summary>
/// <param name="Arrival">Arrival time (traces keep their own dates; generators start at the Unix epoch).</param>
/// <param name="Function">The function's name; readers intern it so equal names share one string.</param>
/// <param name="ExecutionTime">Service time on a warm instance, excluding queueing and cold start.</param>
/// <param name="InputTokens">Prompt tokens for LLM traces, else 0.</param>
/// <param name="OutputTokens">Generated tokens for LLM traces, else 0.</param>
public readonly record struct TraceRequest(
    DateTimeOffset Arrival,
    string Function,
    TimeSpan ExecutionTime,
    int InputTokens = 0,
    int OutputTokens = 0);
