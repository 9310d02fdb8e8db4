namespace Stoke.Engines.Llama;

/// <summary>The engine's waiting queue is full; the gateway answers 429 with <see cref="RetryAfter"/> as <c>Retry-After</c>.</summary>
public sealed class EngineOverloadedException(string message, TimeSpan retryAfter) : Exception(message)
{
    /// <summary>A hint for when capacity is likely to be free again.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
