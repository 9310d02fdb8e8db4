namespace Stoke.Engines.Llama;

/// <summary>Why a generation ended, with the OpenAI API's names.</summary>
public static class FinishReasons
{
    /// <summary>The model ended its text (end-of-generation token) or produced a stop string.</summary>
    public const string Stop = "stop";

    /// <summary>It reached its <c>max_tokens</c>.</summary>
    public const string Length = "length";

    /// <summary>The engine was shut down while it ran (a client's own cancellation surfaces as <see cref="OperationCanceledException"/>).</summary>
    public const string Cancelled = "cancelled";
}
