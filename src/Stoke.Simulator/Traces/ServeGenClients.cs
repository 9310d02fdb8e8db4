using System.Globalization;

namespace Stoke.Simulator.Traces;

/// <summary>
/// Picks <see cref="ServeGenOptions.MaxClients"/> of a folder's client files by <see cref="ServeGenOptions.Selection"/>.
/// File-name order puts chunk-0..chunk-19 first, whatever their size; "largest" and "random" give other data sets a
/// representative choice. The chosen files keep their name order, so each client's seed depends on the choice alone.
/// </summary>
internal static class ServeGenClients
{
    public static string[] Select(string[] files, ServeGenOptions generation, TraceReadOptions options)
    {
        var count = generation.MaxClients;
        IEnumerable<string> chosen = generation.Selection switch
        {
            ClientSelection.Largest => files.OrderByDescending(f => ExpectedRequests(f, generation, options)).ThenBy(f => f, StringComparer.Ordinal).Take(count),
            ClientSelection.Random => ((string[])files.Clone()).Shuffled(new Random(generation.Seed)).Take(count),
            _ => files.Take(count),
        };
        return [.. chosen.Order(StringComparer.Ordinal)];
    }

    /// <summary>Sum over the client's 10-minute windows of rate x the window's overlap with the generated period.</summary>
    internal static double ExpectedRequests(string file, ServeGenOptions generation, TraceReadOptions options)
    {
        const double Window = 600;
        var start = generation.Start.TotalSeconds;
        var end = start + generation.Duration.TotalSeconds;
        var total = 0.0;
        using var table = new CsvTable(file, options, hasHeader: false);
        while (table.Next())
        {
            var f = table.Fields;
            if (f.Count < 2
                || !double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var ts)
                || !double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
            {
                continue; // the generator reports bad rows with their line; choosing skips them
            }

            if (ts >= end)
            {
                break;
            }

            var overlap = Math.Min(ts + Window, end) - Math.Max(ts, start);
            if (overlap > 0 && rate > 0)
            {
                total += rate * overlap;
            }
        }

        return total;
    }

    private static IEnumerable<T> Shuffled<T>(this T[] items, Random rng)
    {
        rng.Shuffle(items);
        return items;
    }
}
