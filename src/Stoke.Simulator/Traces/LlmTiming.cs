namespace Stoke.Simulator.Traces;

/// <summary>Turns token counts into service time: prefill at a token rate, then one decode step per output token.</summary>
public sealed record LlmTiming
{
    /// <summary>Prompt tokens processed per second during prefill.</summary>
    public double PrefillTokensPerSecond { get; init; } = 8000;

    /// <summary>Time per generated token (decode).</summary>
    public TimeSpan PerOutputToken { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan ExecutionTime(int inputTokens, int outputTokens) =>
        TimeSpan.FromSeconds(inputTokens / PrefillTokensPerSecond) + (PerOutputToken * outputTokens);
}
