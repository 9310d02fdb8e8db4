using System.Runtime.CompilerServices;
using Stoke.Abstractions.Engines;
using Stoke.Abstractions.Generation;
using Stoke.Abstractions.Tensors;

namespace Stoke.Engines.Llama;

/// <summary>
/// One loaded GGUF model and its continuous-batching engine, as a node instance holds it. It runs no tensors
/// (<see cref="Run"/> refuses); text goes through <see cref="GenerateAsync"/>.
/// </summary>
public sealed class LlamaSession : IModelSession, IGenerativeSession
{
    private readonly LlamaModel _model;
    private readonly ContinuousBatchingEngine _engine;
    private readonly IDisposable? _stagedFile;
    private int _disposed;

    /// <param name="stagedFile">The lease on the staged copy the model was loaded from, released after the model.</param>
    public LlamaSession(LlamaModel model, ContinuousBatchingEngine engine, IDisposable? stagedFile = null)
    {
        _model = model;
        _engine = engine;
        _stagedFile = stagedFile;
    }

    /// <summary>A language model has no tensor signature.</summary>
    public ModelSignature Signature { get; } = new([], []);

    /// <summary>The engine, for callers (benchmarks, tests) that need its counters.</summary>
    public ContinuousBatchingEngine Engine => _engine;

    /// <summary>Wall time of loading the weights.</summary>
    public TimeSpan LoadTime => _model.LoadTime;

    public GenerationState State => new()
    {
        ActiveSequences = _engine.ActiveSequences,
        QueuedRequests = _engine.QueuedRequests,
        KvCacheUsedCells = _engine.KvCacheUsedCells,
        KvCacheCapacity = _engine.KvCacheCapacity,
        ContextWindow = _engine.ContextWindow,
        MaxSequences = _engine.Scheduling == SchedulingMode.Sequential ? 1 : _engine.KvCacheCapacity / Math.Max(1, _engine.ContextWindow),
    };

    public Tensor[] Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string>? outputs) =>
        throw new NotSupportedException("A language model takes text: use the OpenAI API (/v1/completions, /v1/chat/completions).");

    public string RenderChat(IReadOnlyList<ChatTurn> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return _model.ChatTemplate.Render(messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList());
    }

    public int CountTokens(string text) => _engine.CountTokens(text);

    public IAsyncEnumerable<TextChunk> GenerateAsync(TextGenerationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IAsyncEnumerable<GenerationChunk> chunks;
        try
        {
            chunks = _engine.GenerateAsync(
                new GenerationRequest
                {
                    Prompt = request.Prompt,
                    MaxTokens = request.MaxTokens,
                    Temperature = request.Temperature,
                    TopP = request.TopP,
                    Seed = request.Seed,
                    Stop = request.Stop,
                    IgnoreEndOfGeneration = request.IgnoreEndOfGeneration,
                    RequestId = request.RequestId,
                    TopLogprobs = request.TopLogprobs,
                    Grammar = request.Grammar,
                    FrequencyPenalty = request.FrequencyPenalty,
                    PresencePenalty = request.PresencePenalty,
                    LogitBias = request.LogitBias,
                },
                cancellationToken);
        }
        catch (EngineOverloadedException e)
        {
            throw new GenerationRejectedException(e.Message, e.RetryAfter, e);
        }
        catch (ArgumentException e)
        {
            throw new GenerationRejectedException(e is ContextWindowExceededException ? e.Message : "Invalid request: " + e.Message, null, e);
        }

        return Convert(chunks, _engine.CountTokens(request.Prompt), cancellationToken);
    }

    // Every chunk carries the prompt's token count, so a stream cut short can still be metered.
    private static async IAsyncEnumerable<TextChunk> Convert(
        IAsyncEnumerable<GenerationChunk> chunks, int promptTokens, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var c in chunks.WithCancellation(cancellationToken))
        {
            yield return c.IsFinal
                ? new TextChunk
                {
                    Text = c.Text,
                    FinishReason = c.FinishReason,
                    PromptTokens = c.Usage.PromptTokens,
                    CompletionTokens = c.Usage.CompletionTokens,
                    QueueMs = c.Timings.Queue.TotalMilliseconds,
                    TimeToFirstTokenMs = c.Timings.TimeToFirstToken.TotalMilliseconds,
                    TotalMs = c.Timings.Total.TotalMilliseconds,
                    Logprobs = c.Logprobs?.ToArray(),
                }
                : new TextChunk { Text = c.Text, PromptTokens = promptTokens, Logprobs = c.Logprobs?.ToArray() };
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _engine.DisposeAsync();
        _model.Dispose();
        _stagedFile?.Dispose();
    }

    /// <summary>Synchronous disposal for <see cref="IModelSession"/> callers; prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
