using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Stoke.OpenAI.Tests.Support;

/// <summary>
/// What the llama engines of this process report about each generation they end while this listens: its finish
/// reason (<c>stoke.llm.requests</c> on the <c>Stoke.Llama</c> meter) and its completion tokens. The engine's account,
/// not the gateway's: it tells a sequence that was cancelled from one that ran to its end after the client left.
/// </summary>
internal sealed class EngineGenerations : IDisposable
{
    private const string MeterName = "Stoke.Llama";

    private readonly MeterListener _listener = new();
    private readonly string _modelPrefix;
    private readonly ConcurrentQueue<string> _reasons = new();
    private readonly ConcurrentQueue<long> _completionTokens = new();

    /// <param name="modelSha256">The model's artifact hash: a node names the loaded file after it.</param>
    public EngineGenerations(string modelSha256)
    {
        _modelPrefix = modelSha256;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name is "stoke.llm.requests" or "stoke.llm.tokens")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Finish reasons of the generations ended so far.</summary>
    public IReadOnlyList<string> Reasons => [.. _reasons];

    /// <summary>Completion tokens of the generations ended so far.</summary>
    public IReadOnlyList<long> CompletionTokens => [.. _completionTokens];

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? model = null, reason = null, type = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "stoke.model": model = tag.Value as string; break;
                case "stoke.finish_reason": reason = tag.Value as string; break;
                case "stoke.token.type": type = tag.Value as string; break;
            }
        }

        if (model is null || !model.StartsWith(_modelPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (reason is not null)
        {
            _reasons.Enqueue(reason);
        }
        else if (type == "completion")
        {
            _completionTokens.Enqueue(value);
        }
    }
}
