namespace Stoke.Engines.Llama;

/// <summary>Where one generation's time went: waiting for admission, until its first token, and in total.</summary>
/// <param name="Queue">From submission until a sequence slot and its KV cells were granted.</param>
/// <param name="TimeToFirstToken">From submission until the first token was sampled (includes the queue and prefill).</param>
/// <param name="Total">From submission until the last token.</param>
/// <param name="CompletionTokens">Tokens generated.</param>
public readonly record struct GenerationTimings(TimeSpan Queue, TimeSpan TimeToFirstToken, TimeSpan Total, int CompletionTokens)
{
    /// <summary>Mean time between output tokens after the first (zero with fewer than two tokens).</summary>
    public TimeSpan TimePerOutputToken =>
        CompletionTokens > 1 ? (Total - TimeToFirstToken) / (CompletionTokens - 1) : TimeSpan.Zero;

    /// <summary>Output tokens per second of this stream, from its first token to its last.</summary>
    public double TokensPerSecond
    {
        get
        {
            var decoding = Total - TimeToFirstToken;
            return CompletionTokens > 1 && decoding > TimeSpan.Zero ? (CompletionTokens - 1) / decoding.TotalSeconds : 0;
        }
    }
}
