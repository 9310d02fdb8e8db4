namespace Stoke.Engines.Llama;

/// <summary>Prompt plus <c>max_tokens</c> do not fit the context window: a bad request (400), never worth retrying.</summary>
public sealed class ContextWindowExceededException(string message, int promptTokens, int maxTokens, int contextWindow)
    : ArgumentException(message)
{
    public int PromptTokens { get; } = promptTokens;

    public int MaxTokens { get; } = maxTokens;

    /// <summary>The longest sequence (prompt and output) the engine runs.</summary>
    public int ContextWindow { get; } = contextWindow;
}
