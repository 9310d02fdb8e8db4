namespace Stoke.Simulator.Traces;

/// <summary>
/// The generic format users can write themselves: a header, then rows sorted by time with
/// <c>timestamp</c> (seconds, or ISO 8601), <c>function</c>, <c>duration_ms</c>, and optionally
/// <c>input_tokens</c> and <c>output_tokens</c>.
/// </summary>
public static class CsvTraceReader
{
    public static IEnumerable<TraceRequest> Read(string path, TraceReadOptions? options = null)
    {
        options ??= TraceReadOptions.Strict;
        using var table = new CsvTable(path, options);
        var time = table.Require("timestamp");
        var function = table.Require("function");
        var duration = table.Require("duration_ms");
        var input = table.Optional("input_tokens");
        var output = table.Optional("output_tokens");
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = default(OrderCheck);
        while (table.Next())
        {
            if (!FieldParser.TrySecondsOrDate(table, time, out var arrival)
                || !FieldParser.TryName(table, function, "function", names, out var name)
                || !FieldParser.TryDouble(table, duration, "duration_ms", out var ms))
            {
                continue;
            }

            var inTokens = 0;
            var outTokens = 0;
            if ((input >= 0 && !FieldParser.TryInt(table, input, "input_tokens", out inTokens))
                || (output >= 0 && !FieldParser.TryInt(table, output, "output_tokens", out outTokens))
                || !order.Accept(table, arrival))
            {
                continue;
            }

            yield return new TraceRequest(arrival, name, TimeSpan.FromMilliseconds(ms), inTokens, outTokens);
        }
    }
}
