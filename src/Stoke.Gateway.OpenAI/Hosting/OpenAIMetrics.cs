using System.Diagnostics.Metrics;
using Stoke.Abstractions.Functions;
using Stoke.Abstractions.Generation;
using Stoke.Runtime.Metrics;

namespace Stoke.Gateway.OpenAI.Hosting;

/// <summary>
/// LLM serving metrics as the gateway sees each finished generation (meter <c>Stoke.OpenAI</c>): queue time, time to
/// first token, time per output token, tokens (its rate is tokens/s) and requests by outcome. Active sequences and
/// KV-cache use are gauges of the node runtime (<c>stoke.llm.sequences.active</c>, <c>stoke.llm.kv_cache.used</c>).
/// </summary>
public sealed class OpenAIMetrics
{
    public const string MeterName = "Stoke.OpenAI";

    private readonly Histogram<double> _queue;
    private readonly Histogram<double> _ttft;
    private readonly Histogram<double> _tpot;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _requests;

    public OpenAIMetrics(IMeterFactory factory)
    {
        var meter = factory.Create(MeterName);
        _queue = meter.CreateHistogram<double>("stoke.llm.queue.duration", "s", "Time a generation waited inside the engine for a sequence slot and KV cells.");
        _ttft = meter.CreateHistogram<double>("stoke.llm.time_to_first_token", "s", "Submission to first token, per generation.");
        _tpot = meter.CreateHistogram<double>("stoke.llm.time_per_output_token", "s", "Mean time between output tokens of a generation.");
        _tokens = meter.CreateCounter<long>("stoke.llm.tokens", "{token}", "Prompt and completion tokens served.");
        _requests = meter.CreateCounter<long>("stoke.llm.requests", "{request}", "Generations by outcome.");
    }

    internal void Finished(FunctionSpec spec, int promptTokens, int completionTokens, TextChunk? final)
    {
        // Tenant and function together: two tenants' same-named functions are two series.
        var tenant = new KeyValuePair<string, object?>(MetricTags.Tenant, spec.Tenant);
        var function = new KeyValuePair<string, object?>(MetricTags.Function, spec.Name);
        if (_tokens.Enabled)
        {
            _tokens.Add(promptTokens, tenant, function, new("stoke.token.type", "prompt"));
            _tokens.Add(completionTokens, tenant, function, new("stoke.token.type", "completion"));
        }

        if (_requests.Enabled)
        {
            _requests.Add(1, tenant, function, new("stoke.finish_reason", final?.FinishReason ?? "disconnected"));
        }

        if (final is null)
        {
            return;
        }

        if (_queue.Enabled)
        {
            _queue.Record(final.QueueMs / 1000.0, tenant, function);
        }

        if (_ttft.Enabled && final.CompletionTokens > 0)
        {
            _ttft.Record(final.TimeToFirstTokenMs / 1000.0, tenant, function);
        }

        if (_tpot.Enabled && final.CompletionTokens > 1)
        {
            _tpot.Record((final.TotalMs - final.TimeToFirstTokenMs) / 1000.0 / (final.CompletionTokens - 1), tenant, function);
        }
    }
}
