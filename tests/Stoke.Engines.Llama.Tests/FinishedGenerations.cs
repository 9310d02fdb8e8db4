using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Stoke.Engines.Llama.Tests;

/// <summary>
/// A meter factory for one engine that keeps what the engine reports about each generation it ends: its finish
/// reason (<c>stoke.llm.requests</c>) and its completion tokens (<c>stoke.llm.tokens</c>). It tells a generation that
/// was cancelled from one that ran to its end, which the engine's slot and KV-cell counters cannot.
/// </summary>
internal sealed class FinishedGenerations : IMeterFactory
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Meter> _meters = new();
    private readonly ConcurrentQueue<string> _reasons = new();
    private readonly ConcurrentQueue<long> _completionTokens = new();

    public FinishedGenerations()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, this) && instrument.Name is "stoke.llm.requests" or "stoke.llm.tokens")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Finish reasons of the generations ended so far, in order.</summary>
    public IReadOnlyList<string> Reasons => [.. _reasons];

    /// <summary>Completion tokens of the generations ended so far, in order.</summary>
    public IReadOnlyList<long> CompletionTokens => [.. _completionTokens];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        _meters.Enqueue(meter);
        return meter;
    }

    public void Dispose()
    {
        _listener.Dispose();
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (instrument.Name == "stoke.llm.requests" && tag.Key == "stoke.finish_reason")
            {
                _reasons.Enqueue((string)tag.Value!);
            }
            else if (instrument.Name == "stoke.llm.tokens" && tag is { Key: "stoke.token.type", Value: "completion" })
            {
                _completionTokens.Enqueue(value);
            }
        }
    }
}
