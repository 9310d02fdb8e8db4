using Microsoft.Extensions.Logging;

namespace Stoke.Engines.Llama;

public sealed partial class ContinuousBatchingEngine
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "LLM engine for {Model} started: {Scheduling}, {MaxSequences} sequences, window {ContextWindow}, {KvCells} KV cells")]
        public static partial void Started(ILogger logger, string model, SchedulingMode scheduling, int maxSequences, int contextWindow, int kvCells);

        [LoggerMessage(2, LogLevel.Warning, "Refused request {RequestId}: {Queued} requests already waiting")]
        public static partial void Overloaded(ILogger logger, string? requestId, int queued);

        [LoggerMessage(3, LogLevel.Debug, "Admitted request {RequestId} as sequence {Sequence}: {PromptTokens} prompt tokens, max {MaxTokens}, queued {QueueMs:F1} ms")]
        public static partial void Admitted(ILogger logger, string? requestId, int sequence, int promptTokens, int maxTokens, double queueMs);

        [LoggerMessage(4, LogLevel.Debug, "Request {RequestId} finished ({Reason}): {PromptTokens} prompt + {CompletionTokens} completion tokens, TTFT {TtftMs:F1} ms, {TokensPerSecond:F1} tokens/s")]
        public static partial void Finished(ILogger logger, string? requestId, string reason, int promptTokens, int completionTokens, double ttftMs, double tokensPerSecond);

        [LoggerMessage(5, LogLevel.Error, "A decode step failed; its running generations were failed")]
        public static partial void StepFailed(ILogger logger, Exception exception);
    }
}
