using System.Globalization;

namespace Stoke.Simulator.Traces;

/// <summary>Parses trace fields, reporting a bad value through the table (throw, or skip in lenient mode).</summary>
internal static class FieldParser
{
    private static readonly string[] DateFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss"];

    public static bool TryDate(CsvTable table, int column, out DateTimeOffset value)
    {
        var text = table.Fields[column];
        if (DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            return true;
        }

        table.Fail($"bad timestamp '{text}' (expected yyyy-MM-dd HH:mm:ss[.fffffff])");
        return false;
    }

    /// <summary>A timestamp given either as seconds (since the Unix epoch or the trace start) or as ISO 8601.</summary>
    public static bool TrySecondsOrDate(CsvTable table, int column, out DateTimeOffset value)
    {
        var text = table.Fields[column];
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0 && seconds < 1e11)
        {
            value = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        return TryDate(table, column, out value);
    }

    public static bool TryDouble(CsvTable table, int column, string name, out double value, double min = 0)
    {
        var text = table.Fields[column];
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && value >= min)
        {
            return true;
        }

        table.Fail($"bad {name} '{text}' (expected a number >= {min.ToString(CultureInfo.InvariantCulture)})");
        return false;
    }

    public static bool TryInt(CsvTable table, int column, string name, out int value)
    {
        var text = table.Fields[column];
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= 0)
        {
            return true;
        }

        table.Fail($"bad {name} '{text}' (expected a whole number >= 0)");
        return false;
    }

    public static bool TryName(CsvTable table, int column, string name, Dictionary<string, string> interned, out string value)
    {
        var text = table.Fields[column].Trim();
        if (text.Length == 0)
        {
            table.Fail($"empty {name}");
            value = "";
            return false;
        }

        if (!interned.TryGetValue(text, out value!))
        {
            interned[text] = text;
            value = text;
        }

        return true;
    }
}
