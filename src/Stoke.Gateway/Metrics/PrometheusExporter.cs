using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Stoke.Gateway.Metrics;

/// <summary>
/// Collects this node's <c>Stoke.*</c> instruments, and ASP.NET Core's <c>http.server.request.duration</c>, with a
/// <see cref="MeterListener"/> and renders them in the Prometheus text format, named as OpenTelemetry's Prometheus
/// exporter names them (dots to underscores, the unit as a suffix: <c>_seconds</c>, <c>_bytes</c>, <c>_joules</c>;
/// <c>_total</c> on counters, observable ones included). It listens only to meters made by this node's <see cref="IMeterFactory"/>, so two silos in one process
/// (tests, the benchmarks) each report their own figures, which OpenTelemetry's exporter (meters chosen by name) cannot.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    public PrometheusExporter(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && Exported(instrument))
            {
                _series[instrument] = new Series(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>ASP.NET Core's hosting meter, for the server's request duration by route and status.</summary>
    public const string AspNetCoreHostingMeter = "Microsoft.AspNetCore.Hosting";

    private static bool Exported(Instrument instrument) =>
        instrument.Meter.Name.StartsWith("Stoke.", StringComparison.Ordinal)
        || (instrument.Meter.Name == AspNetCoreHostingMeter && instrument.Name == "http.server.request.duration");

    public string Render()
    {
        foreach (var s in _series.Values.Where(s => s.Observable))
        {
            s.ClearGauges();
        }

        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var s in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            s.Write(text);
        }

        return text.ToString();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, tags);
        }
    }

    public void Dispose() => _listener.Dispose();

    private sealed class Series(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);
        private readonly double[] _buckets = BucketsOf(instrument);

        public bool Observable { get; } = instrument.IsObservable;

        public string Name { get; } = PrometheusName(instrument);

        public void ClearGauges() => _cells.Clear();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = Labels(tags);
            var cell = _cells.GetOrAdd(labels, _ => new Cell(_buckets.Length));
            lock (cell)
            {
                if (instrument is Histogram<double> or Histogram<int> or Histogram<long>)
                {
                    cell.Count++;
                    cell.Sum += value;
                    for (var b = 0; b < _buckets.Length; b++)
                    {
                        if (value <= _buckets[b])
                        {
                            cell.Buckets[b]++;
                        }
                    }
                }
                else if (Observable)
                {
                    cell.Sum = value;
                }
                else
                {
                    cell.Sum += value;
                }
            }
        }

        public void Write(StringBuilder text)
        {
            var isHistogram = instrument is Histogram<double> or Histogram<int> or Histogram<long>;
            var isCounter = instrument is ObservableCounter<double> or ObservableCounter<long> || !Observable;
            var type = isHistogram ? "histogram" : isCounter ? "counter" : "gauge";
            text.Append("# HELP ").Append(Name).Append(' ').Append(instrument.Description).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, cell) in _cells.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                lock (cell)
                {
                    if (!isHistogram)
                    {
                        text.Append(Name).Append(Braces(labels)).Append(' ').Append(Format(cell.Sum)).Append('\n');
                        continue;
                    }

                    for (var b = 0; b < _buckets.Length; b++)
                    {
                        text.Append(Name).Append("_bucket").Append(Braces(Join(labels, $"le=\"{Format(_buckets[b])}\""))).Append(' ').Append(cell.Buckets[b]).Append('\n');
                    }

                    text.Append(Name).Append("_bucket").Append(Braces(Join(labels, "le=\"+Inf\""))).Append(' ').Append(cell.Count).Append('\n');
                    text.Append(Name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Format(cell.Sum)).Append('\n');
                    text.Append(Name).Append("_count").Append(Braces(labels)).Append(' ').Append(cell.Count).Append('\n');
                }
            }
        }

        private static double[] BucketsOf(Instrument instrument) => instrument switch
        {
            Histogram<int> { Advice.HistogramBucketBoundaries: { } b } => b.Select(x => (double)x).ToArray(),
            Histogram<double> { Advice.HistogramBucketBoundaries: { } b } => b.ToArray(),
            _ => SecondsBuckets,
        };

        private static string PrometheusName(Instrument i)
        {
            var name = i.Name.Replace('.', '_');
            name += i.Unit switch
            {
                "s" => "_seconds",
                "By" => "_bytes",
                "J" => "_joules",
                _ => "",
            };
            return i is Counter<long> or Counter<double> or Counter<int> or ObservableCounter<double> or ObservableCounter<long> ? name + "_total" : name;
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var parts = new List<string>(tags.Length);
            foreach (var t in tags)
            {
                var value = Convert.ToString(t.Value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
                parts.Add($"{t.Key.Replace('.', '_')}=\"{value}\"");
            }

            parts.Sort(StringComparer.Ordinal);
            return string.Join(",", parts);
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

        private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    }

    private sealed class Cell(int buckets)
    {
        public long Count;
        public double Sum;
        public readonly long[] Buckets = new long[buckets];
    }
}
