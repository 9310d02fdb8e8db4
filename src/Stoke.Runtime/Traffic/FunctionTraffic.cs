using Stoke.Abstractions.Routing;
using Stoke.Abstractions.Usage;
using Stoke.Control.Metering;

namespace Stoke.Runtime.Traffic;

/// <summary>
/// What this node's gateway saw of one function version: its load meter, the usage of the requests it answered (in
/// numbered batches kept until the controller acknowledges them), a sample of their latencies, and the most recent
/// usage records. The controller pulls it into a <see cref="NodeLoadReport"/> every tick.
/// </summary>
internal sealed class FunctionTraffic(string functionKey, int version, TimeProvider time)
{
    private const int MaxLatencySamples = 256;
    private const int RecentRecordCapacity = 1000;
    private readonly Lock _gate = new();
    private readonly List<UsageBatch> _unacknowledged = [];
    private readonly List<LatencySample> _latencies = [];
    private readonly Queue<UsageRecord> _recent = new();
    private UsageSummary? _pending;
    private long _sequence;
    private long _latencySeen;

    public string FunctionKey { get; } = functionKey;

    public int Version { get; } = version;

    public LoadMeter Meter { get; } = new(time);

    /// <summary>When a request last entered or usage last changed (idle tables are dropped after a while).</summary>
    public long LastActivity { get; private set; } = time.GetTimestamp();

    /// <summary>Counts an answered request: its usage, its latency, its record.</summary>
    public void Answered(UsageRecord record, double latencyMs)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _pending = (_pending ?? Empty(record)).Add(record);
            _recent.Enqueue(record);
            if (_recent.Count > RecentRecordCapacity)
            {
                _recent.Dequeue();
            }

            // A uniform sample of the interval's latencies (reservoir), so a busy interval costs no more than a quiet one.
            _latencySeen++;
            var sample = new LatencySample(latencyMs, Math.Max(1, record.BatchSize));
            if (_latencies.Count < MaxLatencySamples)
            {
                _latencies.Add(sample);
            }
            else if (Random.Shared.NextInt64(_latencySeen) is var slot && slot < MaxLatencySamples)
            {
                _latencies[(int)slot] = sample;
            }

            LastActivity = time.GetTimestamp();
        }
    }

    /// <summary>Counts a request that was refused or failed after it was accepted, as a failure with its reason.</summary>
    public void Failed(string tenant, string function, int version, string reason)
    {
        lock (_gate)
        {
            _pending = (_pending ?? new UsageSummary { Tenant = tenant, Function = function, Version = version }).AddFailure(reason);
            LastActivity = time.GetTimestamp();
        }
    }

    /// <summary>The usage batches not yet acknowledged (the pending usage sealed into one), without cutting the load interval.</summary>
    public UsageBatch[] Usage(long acknowledged)
    {
        lock (_gate)
        {
            Seal(acknowledged);
            return [.. _unacknowledged];
        }
    }

    private void Seal(long acknowledged)
    {
        _unacknowledged.RemoveAll(b => b.Sequence <= acknowledged);
        if (_pending is { } pending)
        {
            _unacknowledged.Add(new UsageBatch(++_sequence, pending));
            _pending = null;
        }
    }

    /// <summary>The report for the controller's tick; batches up to <paramref name="acknowledged"/> are dropped first.</summary>
    public NodeLoadReport Report(string nodeId, long acknowledged, InstanceLoad[] instances)
    {
        var interval = Meter.Cut();
        lock (_gate)
        {
            Seal(acknowledged);
            var latencies = _latencies.ToArray();
            _latencies.Clear();
            _latencySeen = 0;
            if (interval.Arrivals > 0)
            {
                LastActivity = time.GetTimestamp();
            }

            return new NodeLoadReport
            {
                NodeId = nodeId,
                Interval = interval.Length,
                Arrivals = interval.Arrivals,
                FirstArrival = interval.FirstArrival,
                LastArrival = interval.LastArrival,
                ConcurrencySeconds = interval.ConcurrencySeconds,
                InFlight = interval.InFlight,
                Instances = instances,
                Usage = [.. _unacknowledged],
                Latencies = latencies,
            };
        }
    }

    /// <summary>Usage not yet acknowledged by the controller (answered here, not yet billed).</summary>
    public bool HasUnacknowledgedUsage
    {
        get
        {
            lock (_gate)
            {
                return _pending is not null || _unacknowledged.Count > 0;
            }
        }
    }

    /// <summary>The most recent usage records of requests answered here, newest first.</summary>
    public UsageRecord[] Recent(int limit)
    {
        lock (_gate)
        {
            return [.. _recent.Reverse().Take(Math.Max(0, limit))];
        }
    }

    private static UsageSummary Empty(UsageRecord r) => new() { Tenant = r.Tenant, Function = r.Function, Version = r.Version };
}
