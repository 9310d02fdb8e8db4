using System.Globalization;
using Stoke.Client;

namespace Stoke.Cli.Demo;

/// <summary>What the demo's clients saw for one function: outcomes, latencies and the usage headers of each reply.</summary>
public sealed class DemoStats(string function)
{
    private readonly Lock _lock = new();
    private readonly List<double> _latenciesMs = [];
    private readonly SortedDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, (int Count, double Ms)> _coldStartWaits = new(StringComparer.Ordinal);
    private long _batchSum;
    private int _batchCount;

    public string Function { get; } = function;

    public int Sent { get; private set; }

    public int Succeeded { get; private set; }

    public int Failed => Sent - Succeeded;

    public void Record(InferResponse response, double latencyMs)
    {
        lock (_lock)
        {
            Sent++;
            if ((int)response.Status != 200)
            {
                Count(((int)response.Status).ToString(CultureInfo.InvariantCulture));
                return;
            }

            Succeeded++;
            _latenciesMs.Add(latencyMs);
            if (int.TryParse(response.Header("Stoke-Batch-Size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var batch))
            {
                _batchSum += batch;
                _batchCount++;
            }

            if (response.Header("Stoke-Cold-Start-Tier") is { } tier)
            {
                double.TryParse(response.Header("Stoke-Cold-Start-Ms"), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms);
                var (count, total) = _coldStartWaits.GetValueOrDefault(tier);
                _coldStartWaits[tier] = (count + 1, total + ms);
            }
        }
    }

    /// <summary>A request that got no HTTP answer (timeout, connection reset).</summary>
    public void RecordFailure(string reason)
    {
        lock (_lock)
        {
            Sent++;
            Count(reason);
        }
    }

    public double Percentile(double p)
    {
        lock (_lock)
        {
            if (_latenciesMs.Count == 0)
            {
                return 0;
            }

            var sorted = _latenciesMs.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }

    public double MeanBatchSize
    {
        get
        {
            lock (_lock)
            {
                return _batchCount == 0 ? 0 : (double)_batchSum / _batchCount;
            }
        }
    }

    /// <summary>Errors by status code (or reason), e.g. <c>503:3 timeout:1</c>.</summary>
    public string Errors()
    {
        lock (_lock)
        {
            return _errors.Count == 0 ? "0" : string.Join(" ", _errors.Select(kv => $"{kv.Key}:{kv.Value}"));
        }
    }

    /// <summary>Requests that waited for a cold start (a <c>Stoke-Cold-Start-Tier</c> reply).</summary>
    public int ColdStartWaits
    {
        get
        {
            lock (_lock)
            {
                return _coldStartWaits.Values.Sum(v => v.Count);
            }
        }
    }

    /// <summary>
    /// Requests that waited for a cold start, by tier, with the mean wait, e.g. <c>repository:4 (512 ms)</c>; several
    /// requests can wait for one instance start.
    /// </summary>
    public string ColdStartWaitsByTier()
    {
        lock (_lock)
        {
            return _coldStartWaits.Count == 0
                ? "0"
                : string.Join(" ", _coldStartWaits.Select(kv => $"{kv.Key}:{kv.Value.Count} ({(kv.Value.Ms / kv.Value.Count).ToString("0", CultureInfo.InvariantCulture)} ms)"));
        }
    }

    private void Count(string reason) => _errors[reason] = _errors.GetValueOrDefault(reason) + 1;
}
