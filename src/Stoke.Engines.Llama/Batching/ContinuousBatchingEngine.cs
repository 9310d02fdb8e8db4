using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stoke.Engines.Llama;

/// <summary>
/// Generates text for many concurrent requests over one llama.cpp context. A single decode loop puts one token of
/// every running sequence (and prompt chunks of newly admitted ones) into each decode step; requests join between
/// steps when a sequence slot and their KV cells are free, and leave (freeing their KV cells) the step they finish
/// or are cancelled.
/// </summary>
public sealed partial class ContinuousBatchingEngine : IAsyncDisposable
{
    private readonly LlamaModel _model;
    private readonly LlamaEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly Channel<Sequence> _waiting;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _loopExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stack<LLamaSeqId> _freeIds = new();
    private readonly List<Sequence> _active = [];
    private readonly List<Sequence> _finished = [];
    private readonly LlamaEngineMetrics _metrics;
    private readonly int _maxActive;
    private readonly StepProfile? _profile;

    private int _reservedCells;
    private int _activeCount;
    private int _usedCells;
    private int _peakBatchSequences;
    private long _steps;
    private int _disposed;

    public ContinuousBatchingEngine(
        LlamaModel model,
        LlamaEngineOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<ContinuousBatchingEngine>? logger = null,
        IMeterFactory? meterFactory = null)
        : this(model, options, timeProvider, logger, meterFactory, profile: null)
    {
    }

    /// <summary>Also records where each decode step's time goes into <paramref name="profile"/> (benchmarks).</summary>
    internal ContinuousBatchingEngine(
        LlamaModel model,
        LlamaEngineOptions? options,
        TimeProvider? timeProvider,
        ILogger<ContinuousBatchingEngine>? logger,
        IMeterFactory? meterFactory,
        StepProfile? profile)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new LlamaEngineOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        ContextWindow = _options.ContextWindow > 0 ? _options.ContextWindow : model.TrainedContextSize;
        _maxActive = _options.Scheduling == SchedulingMode.Sequential ? 1 : _options.MaxSequences;
        var cells = _options.KvCacheCells > 0 && _options.UnifiedKvCache ? _options.KvCacheCells : ContextWindow * _maxActive;
        var threads = _options.Threads > 0 ? _options.Threads : Environment.ProcessorCount;

        // One KV pool shared by all sequences (kv_unified), so admission can hand cells to whichever request needs them.
        var parameters = new ModelParams(model.Path)
        {
            ContextSize = (uint)cells,
            SeqMax = (uint)_maxActive,
            KVUnified = _options.UnifiedKvCache,
            BatchSize = (uint)_options.BatchTokens,
            Threads = threads,
            BatchThreads = threads,
            FlashAttention = _options.FlashAttention,
            TypeK = _options.KvCacheF32 ? GGMLType.GGML_TYPE_F32 : GGMLType.GGML_TYPE_F16,
            TypeV = _options.KvCacheF32 ? GGMLType.GGML_TYPE_F32 : GGMLType.GGML_TYPE_F16,
        };
        _context = model.Weights.CreateContext(parameters);
        KvCacheCapacity = checked((int)_context.ContextSize);
        if (ContextWindow > KvCacheCapacity)
        {
            _context.Dispose();
            throw new ArgumentOutOfRangeException(nameof(options), $"ContextWindow {ContextWindow} exceeds the KV cache of {KvCacheCapacity} cells.");
        }

        for (var id = _maxActive - 1; id >= 0; id--)
        {
            _freeIds.Push((LLamaSeqId)id);
        }

        _waiting = Channel.CreateBounded<Sequence>(new BoundedChannelOptions(Math.Max(1, _options.MaxQueuedRequests))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _profile = profile;
        _metrics = new LlamaEngineMetrics(meterFactory, System.IO.Path.GetFileName(model.Path), this);

        var loop = new Thread(RunLoop) { IsBackground = true, Name = "stoke-llama-decode" };
        loop.Start();
        Log.Started(_logger, System.IO.Path.GetFileName(model.Path), _options.Scheduling, _maxActive, ContextWindow, KvCacheCapacity);
    }

    /// <summary>Longest prompt plus output one request may have.</summary>
    public int ContextWindow { get; }

    /// <summary>KV-cache cells shared by all sequences.</summary>
    public int KvCacheCapacity { get; }

    /// <summary>KV-cache cells holding tokens now, as llama.cpp's memory reports them (updated every step).</summary>
    public int KvCacheUsedCells => Volatile.Read(ref _usedCells);

    /// <summary>KV-cache cells promised to running sequences (prompt plus <c>max_tokens</c> each); admission counts these.</summary>
    public int KvCacheReservedCells => Volatile.Read(ref _reservedCells);

    /// <summary>Sequences admitted and decoding.</summary>
    public int ActiveSequences => Volatile.Read(ref _activeCount);

    /// <summary>Requests waiting for a sequence slot or KV cells.</summary>
    public int QueuedRequests => _waiting.Reader.Count;

    /// <summary>Most sequences that have been decoded together in one step: above 1 shows batching happened.</summary>
    public int PeakBatchSequences => Volatile.Read(ref _peakBatchSequences);

    /// <summary>Decode steps run so far.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    public SchedulingMode Scheduling => _options.Scheduling;

    /// <summary>Number of tokens <paramref name="prompt"/> takes, as <see cref="GenerateAsync"/> counts it.</summary>
    public int CountTokens(string prompt) => _model.CountTokens(prompt);

    /// <summary>
    /// Validates and queues a generation at once, then streams its text. Throws
    /// <see cref="ContextWindowExceededException"/> or another <see cref="ArgumentException"/> for a bad request (400),
    /// and <see cref="EngineOverloadedException"/> when the waiting queue is full (429). Cancelling
    /// <paramref name="cancellationToken"/> or abandoning the enumeration ends the sequence and frees its KV cells.
    /// </summary>
    public IAsyncEnumerable<GenerationChunk> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var sequence = Submit(request);
        return Stream(sequence, cancellationToken);
    }

    private Sequence Submit(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        ArgumentNullException.ThrowIfNull(request.Prompt, nameof(request));
        if (request.MaxTokens is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.MaxTokens, "max_tokens must be at least 1.");
        }

        if (request.TopP is <= 0 or > 1 || float.IsNaN(request.TopP))
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TopP, "top_p must be in (0, 1].");
        }

        if (float.IsNaN(request.Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Temperature, "temperature must be a number.");
        }

        ValidateSampling(request);
        var prompt = _model.Tokenize(request.Prompt);
        if (prompt.Length == 0)
        {
            throw new ArgumentException("The prompt is empty.", nameof(request));
        }

        var maxTokens = request.MaxTokens ?? Math.Min(_options.DefaultMaxTokens, ContextWindow - prompt.Length);
        if (maxTokens < 1 || prompt.Length + maxTokens > ContextWindow)
        {
            throw new ContextWindowExceededException(
                $"The prompt ({prompt.Length} tokens) plus max_tokens ({maxTokens}) exceeds the context window of {ContextWindow} tokens.",
                prompt.Length,
                maxTokens,
                ContextWindow);
        }

        var sequence = new Sequence(request, prompt, maxTokens, _time.GetTimestamp());
        if (!_waiting.Writer.TryWrite(sequence))
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            Log.Overloaded(_logger, request.RequestId, QueuedRequests);
            throw new EngineOverloadedException(
                $"The engine has {_options.MaxQueuedRequests} requests waiting; try again later.", _options.RetryAfter);
        }

        _wake.Release();
        return sequence;
    }

    private void ValidateSampling(GenerationRequest request)
    {
        if (request.TopLogprobs is < 0 or > GenerationRequest.MaxTopLogprobs)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.TopLogprobs, $"top_logprobs must be between 0 and {GenerationRequest.MaxTopLogprobs}.");
        }

        if (request.FrequencyPenalty is < -2 or > 2 || request.PresencePenalty is < -2 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "frequency_penalty and presence_penalty must be between -2 and 2.");
        }

        if (request.Grammar is { } grammar && !GrammarCheck.Parses(_model.Weights.NativeHandle, grammar))
        {
            throw new ArgumentException("The grammar does not parse as GBNF with a 'root' rule.", nameof(request));
        }

        foreach (var (token, bias) in request.LogitBias ?? new Dictionary<int, float>())
        {
            if (token < 0 || token >= _model.VocabSize || bias is < -100 or > 100 || float.IsNaN(bias))
            {
                throw new ArgumentOutOfRangeException(nameof(request), $"logit_bias: token {token} with bias {bias}: tokens are 0 to {_model.VocabSize - 1} and biases -100 to 100.");
            }
        }
    }

    private async IAsyncEnumerable<GenerationChunk> Stream(Sequence sequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(() => RequestCancel(sequence));
        try
        {
            await foreach (var chunk in sequence.Output.Reader.ReadAllAsync(cancellationToken))
            {
                yield return chunk;
            }
        }
        finally
        {
            // Also covers a reader that stops early (break, dispose): its sequence must not keep decoding.
            if (!sequence.Output.Reader.Completion.IsCompleted)
            {
                RequestCancel(sequence);
            }
        }
    }

    private void RequestCancel(Sequence sequence)
    {
        if (sequence.Cancel())
        {
            _wake.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _waiting.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loopExited.Task;
        _context.Dispose();
        _metrics.Dispose();
        _stopping.Dispose();
        _wake.Dispose();
    }
}
