namespace Stoke.Engines.Llama;

/// <summary>Tokens one generation consumed and produced: what is metered and billed.</summary>
public readonly record struct GenerationUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}
