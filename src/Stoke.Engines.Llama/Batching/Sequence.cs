using System.Text;
using System.Threading.Channels;
using LLama;
using LLama.Native;

namespace Stoke.Engines.Llama;

/// <summary>
/// One generation inside the engine. Submission fields are set once; decode fields are touched only by the
/// decode loop; <see cref="Cancel"/> may come from any thread.
/// </summary>
internal sealed class Sequence
{
    private int _cancelled;

    public Sequence(GenerationRequest request, LLamaToken[] prompt, int maxTokens, long submittedAt)
    {
        Request = request;
        Prompt = prompt;
        MaxTokens = maxTokens;
        SubmittedAt = submittedAt;
    }

    public GenerationRequest Request { get; }

    public LLamaToken[] Prompt { get; }

    public int MaxTokens { get; }

    /// <summary>KV cells held back for this sequence while it runs: its whole prompt and output.</summary>
    public int ReservedCells => Prompt.Length + MaxTokens;

    public long SubmittedAt { get; }

    // Unbounded: the decode loop must never wait for a slow reader; each item is one token's text.
    public Channel<GenerationChunk> Output { get; } =
        Channel.CreateUnbounded<GenerationChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public bool IsCancelled => Volatile.Read(ref _cancelled) == 1;

    public bool Cancel() => Interlocked.Exchange(ref _cancelled, 1) == 0;

    // Decode-loop state.
    public LLamaSeqId Id { get; private set; }

    public long AdmittedAt { get; private set; }

    public long FirstTokenAt { get; set; }

    public int PromptFed { get; set; }

    public int Position { get; set; }

    public LLamaToken NextInput { get; set; }

    /// <summary>Index of this sequence's logits in the current batch, or -1 when it gets none this step.</summary>
    public int LogitIndex { get; set; } = -1;

    public int Generated { get; set; }

    public bool IsPrefilling => PromptFed < Prompt.Length;

    public SafeLLamaSamplerChainHandle? Sampler { get; private set; }

    public StreamingTokenDecoder? Decoder { get; private set; }

    public StopSequenceMatcher? Stops { get; private set; }

    public void Start(LLamaSeqId id, long admittedAt, LLamaWeights weights)
    {
        Id = id;
        AdmittedAt = admittedAt;
        Sampler = CreateSampler(Request, MaxTokens, weights);
        Decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        Stops = new StopSequenceMatcher(Request.Stop);
    }

    public void ReleaseSampler()
    {
        Sampler?.Dispose();
        Sampler = null;
    }

    /// <summary>Log-probabilities of tokens sampled since the last chunk was written (their text may still be held back).</summary>
    public List<Abstractions.Generation.TokenLogprob>? PendingLogprobs { get; set; }

    /// <summary>Hands over the pending log-probabilities for the chunk being written.</summary>
    public List<Abstractions.Generation.TokenLogprob>? TakeLogprobs()
    {
        var taken = PendingLogprobs;
        PendingLogprobs = null;
        return taken;
    }

    // llama.cpp's order: biases and penalties reshape the logits, the grammar masks what cannot follow, then one is picked.
    private static SafeLLamaSamplerChainHandle CreateSampler(GenerationRequest request, int maxTokens, LLamaWeights weights)
    {
        var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        if (request.LogitBias is { Count: > 0 } bias)
        {
            var biases = bias.Select(b => new LLamaLogitBias { Token = (LLamaToken)b.Key, Bias = b.Value }).ToArray();
            chain.AddLogitBias(weights.Vocab.Count, biases);
        }

        if (request.FrequencyPenalty != 0 || request.PresencePenalty != 0)
        {
            // The sampler sees only generated tokens (the prompt is never accepted into it), as OpenAI counts them.
            chain.AddPenalties(maxTokens, 1.0f, request.FrequencyPenalty, request.PresencePenalty);
        }

        if (request.Grammar is { } grammar)
        {
            chain.AddGrammar(weights.NativeHandle, grammar, "root");
        }

        if (request.Temperature <= 0)
        {
            chain.AddGreedySampler();
            return chain;
        }

        if (request.TopP < 1)
        {
            chain.AddTopP(request.TopP, 1);
        }

        if (request.Temperature != 1)
        {
            chain.AddTemperature(request.Temperature); // dividing the logits by 1 changes nothing, so skip the pass
        }

        chain.AddDistributionSampler(request.Seed ?? (uint)Random.Shared.Next());
        return chain;
    }
}
