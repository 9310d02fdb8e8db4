namespace Stoke.Engines.Llama;

/// <summary>Settings of one <see cref="ContinuousBatchingEngine"/>; defaults suit a small CPU node.</summary>
public sealed record LlamaEngineOptions
{
    /// <summary>Continuous batching (default) or the one-at-a-time baseline.</summary>
    public SchedulingMode Scheduling { get; init; } = SchedulingMode.ContinuousBatching;

    /// <summary>Most sequences decoding at once (llama.cpp's <c>n_seq_max</c>).</summary>
    public int MaxSequences { get; init; } = 8;

    /// <summary>Longest prompt plus output of one sequence; 0 uses the model's trained context.</summary>
    public int ContextWindow { get; init; }

    /// <summary>KV-cache cells shared by all sequences (unified KV only); 0 gives <see cref="ContextWindow"/> times <see cref="MaxSequences"/>.</summary>
    public int KvCacheCells { get; init; }

    /// <summary>
    /// One KV pool shared by all sequences (true): admission hands cells to whichever request needs them, but every
    /// token attends over the whole used pool. False gives each sequence its own <see cref="ContextWindow"/> cells:
    /// attention cost stays per sequence, and a free slot is all a request needs.
    /// </summary>
    public bool UnifiedKvCache { get; init; } = true;

    /// <summary>Most tokens one decode step takes (llama.cpp's <c>n_batch</c>); long prompts are prefilled in chunks of it.</summary>
    public int BatchTokens { get; init; } = 512;

    /// <summary>
    /// Most prompt tokens one decode step takes, shared by the sequences being prefilled; 0 means whatever is left of
    /// <see cref="BatchTokens"/>. Smaller bounds how long a joining prompt stalls the running streams (their time per
    /// output token) at the cost of that prompt's time to first token.
    /// </summary>
    public int PrefillTokensPerStep { get; init; }

    /// <summary>
    /// llama.cpp's flash-attention kernel: null lets llama.cpp decide (it enables it on CPU). Off is about twice as fast on
    /// the CPU for models with tiny attention heads (stories260K: 8 dimensions), see docs/llm-benchmarks.md.
    /// </summary>
    public bool? FlashAttention { get; init; }

    /// <summary>Keeps keys and values in 32-bit floats instead of 16-bit: twice the KV memory, no conversions in attention.</summary>
    public bool KvCacheF32 { get; init; }

    /// <summary>Requests that may wait for a sequence slot or KV cells; beyond it requests are refused.</summary>
    public int MaxQueuedRequests { get; init; } = 64;

    /// <summary><c>max_tokens</c> of a request that names none (capped by what is left of the context window).</summary>
    public int DefaultMaxTokens { get; init; } = 256;

    /// <summary>Retry hint given with <see cref="EngineOverloadedException"/>.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>CPU threads of a decode step; 0 uses all cores.</summary>
    public int Threads { get; init; }

    internal void Validate()
    {
        if (MaxSequences < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSequences), MaxSequences, "MaxSequences must be at least 1.");
        }

        if (ContextWindow < 0 || KvCacheCells < 0 || Threads < 0 || PrefillTokensPerStep < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ContextWindow), "ContextWindow, KvCacheCells, Threads and PrefillTokensPerStep must not be negative.");
        }

        if (BatchTokens < MaxSequences)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchTokens), BatchTokens, "BatchTokens must be at least MaxSequences (one token per sequence per step).");
        }

        if (MaxQueuedRequests < 0 || DefaultMaxTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedRequests), "MaxQueuedRequests must not be negative and DefaultMaxTokens must be positive.");
        }
    }
}
