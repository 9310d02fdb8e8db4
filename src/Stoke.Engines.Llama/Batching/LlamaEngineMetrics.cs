using System.Diagnostics.Metrics;

namespace Stoke.Engines.Llama;

/// <summary>
/// The engine's instruments on the <c>Stoke.Llama</c> meter: queue time, time to first token, time per output
/// token, tokens (rate: tokens/s), batch size, and gauges of active sequences, queued requests and KV-cache use.
/// </summary>
internal sealed class LlamaEngineMetrics : IDisposable
{
    public const string MeterName = "Stoke.Llama";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _queue;
    private readonly Histogram<double> _ttft;
    private readonly Histogram<double> _tpot;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _requests;
    private readonly KeyValuePair<string, object?> _model;

    public LlamaEngineMetrics(IMeterFactory? factory, string model, ContinuousBatchingEngine engine)
    {
        // A factory's meters belong to it (and are disposed with it); one made here is disposed with the engine.
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _model = new("stoke.model", model);
        _queue = _meter.CreateHistogram<double>("stoke.llm.queue.duration", "s", "Time a request waited for a sequence slot and KV cells.");
        _ttft = _meter.CreateHistogram<double>("stoke.llm.time_to_first_token", "s", "Submission to first sampled token.");
        _tpot = _meter.CreateHistogram<double>("stoke.llm.time_per_output_token", "s", "Mean time between output tokens of a request.");
        _batchSize = _meter.CreateHistogram<int>("stoke.llm.batch.sequences", "{sequence}", "Sequences decoded together in one step.");
        _tokens = _meter.CreateCounter<long>("stoke.llm.tokens", "{token}", "Prompt and completion tokens processed.");
        _requests = _meter.CreateCounter<long>("stoke.llm.requests", "{request}", "Finished generations by finish reason.");
        _meter.CreateObservableGauge("stoke.llm.sequences.active", () => new Measurement<int>(engine.ActiveSequences, _model), "{sequence}");
        _meter.CreateObservableGauge("stoke.llm.requests.queued", () => new Measurement<int>(engine.QueuedRequests, _model), "{request}");
        _meter.CreateObservableGauge("stoke.llm.kv_cache.used", () => new Measurement<int>(engine.KvCacheUsedCells, _model), "{cell}");
        _meter.CreateObservableGauge("stoke.llm.kv_cache.capacity", () => new Measurement<int>(engine.KvCacheCapacity, _model), "{cell}");
    }

    public void Admitted(TimeSpan queued)
    {
        if (_queue.Enabled)
        {
            _queue.Record(queued.TotalSeconds, _model);
        }
    }

    public void Step(int sequences)
    {
        if (_batchSize.Enabled)
        {
            _batchSize.Record(sequences, _model);
        }
    }

    public void Finished(string reason, GenerationUsage usage, GenerationTimings timings)
    {
        if (_tokens.Enabled)
        {
            _tokens.Add(usage.PromptTokens, _model, new("stoke.token.type", "prompt"));
            _tokens.Add(usage.CompletionTokens, _model, new("stoke.token.type", "completion"));
        }

        if (_requests.Enabled)
        {
            _requests.Add(1, _model, new("stoke.finish_reason", reason));
        }

        if (_ttft.Enabled && usage.CompletionTokens > 0)
        {
            _ttft.Record(timings.TimeToFirstToken.TotalSeconds, _model);
        }

        if (_tpot.Enabled && usage.CompletionTokens > 1)
        {
            _tpot.Record(timings.TimePerOutputToken.TotalSeconds, _model);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
