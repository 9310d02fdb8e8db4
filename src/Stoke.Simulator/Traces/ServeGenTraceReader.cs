using System.Globalization;

namespace Stoke.Simulator.Traces;

/// <summary>
/// Generates arrivals from Alibaba ServeGen's <c>chunk-N-trace.csv</c> files (one client each; rows of
/// <c>timestamp, rate, cv, pattern, p1, p2</c> per 10-minute window): inter-arrival gaps drawn from the
/// window's Gamma or Weibull shape, scaled to the window's rate. Each client becomes one function.
/// </summary>
public static class ServeGenTraceReader
{
    public static IEnumerable<TraceRequest> Read(string path, ServeGenOptions? generation = null, TraceReadOptions? options = null)
    {
        generation ??= new ServeGenOptions();
        options ??= TraceReadOptions.Strict;
        string[] files;
        if (Directory.Exists(path))
        {
            files = [.. Directory.EnumerateFiles(path, "chunk-*-trace.csv").Order(StringComparer.Ordinal)];
            if (generation.MaxClients > 0 && generation.MaxClients < files.Length)
            {
                files = ServeGenClients.Select(files, generation, options);
            }

            if (files.Length == 0)
            {
                throw new TraceFormatException(path, 0, "no chunk-*-trace.csv files in folder");
            }
        }
        else
        {
            files = [path];
        }

        var model = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(files[0]))) ?? "servegen";
        return TraceMerger.Merge(files.Select((f, i) => ReadClient(f, model + "/" + ClientName(f), generation, options, generation.Seed + (i * 7919))));
    }

    private static string ClientName(string file)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(file);
        return name.EndsWith("-trace", StringComparison.Ordinal) ? name[..^6] : name;
    }

    private static IEnumerable<TraceRequest> ReadClient(string file, string function, ServeGenOptions generation, TraceReadOptions options, int seed)
    {
        var rng = new Random(seed);
        var startSeconds = generation.Start.TotalSeconds;
        var endSeconds = startSeconds + generation.Duration.TotalSeconds;
        var sigma = 0.5;
        var mu = Math.Log(generation.MeanExecutionTime.TotalSeconds) - (sigma * sigma / 2);
        using var table = new CsvTable(file, options, hasHeader: false);
        var lastWindow = double.NegativeInfinity;
        const double Window = 600;
        while (table.Next())
        {
            var f = table.Fields;
            if (f.Count < 6)
            {
                table.Fail($"expected 6 fields (timestamp, rate, cv, pattern, p1, p2), found {f.Count}");
                continue;
            }

            if (!double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var ts) || !double.IsFinite(ts) || ts < 0)
            {
                table.Fail($"bad timestamp '{f[0]}' (expected seconds >= 0)");
                continue;
            }

            if (ts < lastWindow)
            {
                table.Fail($"row is out of time order ({f[0]} after {lastWindow.ToString(CultureInfo.InvariantCulture)}); sort the file by time");
                continue;
            }

            lastWindow = ts;
            if (ts + Window <= startSeconds)
            {
                continue;
            }

            if (ts >= endSeconds)
            {
                yield break;
            }

            if (!FieldParser.TryDouble(table, 1, "rate", out var rate))
            {
                continue;
            }

            rate *= generation.RateScale;
            if (rate <= 0)
            {
                continue;
            }

            var pattern = f[3];
            if (!FieldParser.TryDouble(table, 4, "p1 (shape)", out var shape))
            {
                continue;
            }

            Func<double> gap;
            if (string.Equals(pattern, "Gamma", StringComparison.OrdinalIgnoreCase) && shape > 0)
            {
                var scale = 1 / (rate * shape);
                gap = () => Sampling.Gamma(rng, shape, scale);
            }
            else if (string.Equals(pattern, "Weibull", StringComparison.OrdinalIgnoreCase) && shape > 0)
            {
                var scale = 1 / (rate * Sampling.GammaFunction(1 + (1 / shape)));
                gap = () => Sampling.Weibull(rng, shape, scale);
            }
            else if (shape > 0 || pattern.Length == 0)
            {
                table.Fail($"unknown pattern '{pattern}' (expected Gamma or Weibull)");
                continue;
            }
            else
            {
                table.Fail($"bad p1 (shape) '{f[4]}' (expected a number > 0)");
                continue;
            }

            var windowEnd = Math.Min(ts + Window, endSeconds);
            var t = Math.Max(ts, startSeconds) + gap();
            while (t < windowEnd)
            {
                var exec = Math.Exp(mu + (sigma * Sampling.Normal(rng)));
                yield return new TraceRequest(
                    DateTimeOffset.UnixEpoch.AddTicks((long)(t * TimeSpan.TicksPerSecond)),
                    function,
                    TimeSpan.FromSeconds(exec));
                t += gap();
            }
        }
    }
}
