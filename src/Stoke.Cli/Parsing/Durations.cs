using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Stoke.Cli.Parsing;

/// <summary>Durations as people type them: <c>500ms</c>, <c>90s</c>, <c>10m</c>, <c>24h</c>, <c>2d</c>.</summary>
public static class Durations
{
    private static readonly (string Suffix, double Seconds)[] Units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var t = text.Trim();
        foreach (var (suffix, seconds) in Units)
        {
            // "ms" is checked before "m" and "s", so "500ms" is never read as minutes.
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                && double.IsFinite(n) && n >= 0)
            {
                value = TimeSpan.FromSeconds(n * seconds);
                return true;
            }
        }

        return false;
    }

    public static TimeSpan Parse(string text, string option) =>
        TryParse(text, out var value) ? value : throw new FormatException(Problem(text, option));

    public static string Problem(string text, string option) =>
        $"{option}: '{text}' is not a duration; use a number with a unit: 500ms, 90s, 10m, 24h.";

    /// <summary>An option whose value is a duration; a bad one is a parse error naming the option.</summary>
    public static Option<TimeSpan?> Option(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        CustomParser = r => Read(r, name),
    };

    private static TimeSpan? Read(ArgumentResult r, string name)
    {
        var text = r.Tokens[^1].Value;
        if (TryParse(text, out var value))
        {
            return value;
        }

        r.AddError(Problem(text, name));
        return null;
    }
}
