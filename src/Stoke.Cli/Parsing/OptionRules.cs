using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Stoke.Cli.Parsing;

/// <summary>Small builders for options with range checks, so a bad value is a parse error that names the option.</summary>
public static class OptionRules
{
    public static Option<int?> Int(string name, string description, int min = 0, string helpName = "N")
    {
        var option = new Option<int?>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } v && v < min)
            {
                r.AddError($"{name} must be at least {min.ToString(CultureInfo.InvariantCulture)}; got {v.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        return option;
    }

    public static Option<double?> Number(string name, string description, double min = 0, bool exclusive = false, string helpName = "X")
    {
        var option = new Option<double?>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } v && (!double.IsFinite(v) || v < min || (exclusive && v == min)))
            {
                r.AddError($"{name} must be a number {(exclusive ? "above" : "of at least")} {min.ToString(CultureInfo.InvariantCulture)}; got {v.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        return option;
    }

    /// <summary>A repeatable <c>key=value</c> option.</summary>
    public static Option<string[]> KeyValues(string name, string description, string helpName = "KEY=VALUE")
    {
        var option = new Option<string[]>(name) { Description = description, HelpName = helpName, AllowMultipleArgumentsPerToken = false, DefaultValueFactory = _ => [] };
        option.Validators.Add(r =>
        {
            foreach (var value in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (!TrySplit(value, out _, out _))
                {
                    r.AddError($"{name} takes key=value; got '{value}'.");
                }
            }
        });
        return option;
    }

    /// <summary>A comma-separated list of names, each one of <paramref name="allowed"/>.</summary>
    public static Option<string[]> NameList(string name, string description, IReadOnlyList<string> allowed)
    {
        var option = new Option<string[]>(name)
        {
            Description = $"{description} One or more of: {string.Join(", ", allowed)} (comma-separated).",
            HelpName = "NAMES",
            CustomParser = r => Split(r),
        };
        option.Validators.Add(r =>
        {
            foreach (var value in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (!allowed.Contains(value, StringComparer.Ordinal))
                {
                    r.AddError($"{name}: unknown '{value}'; known: {string.Join(", ", allowed)}.");
                }
            }
        });
        return option;
    }

    public static bool TrySplit(string text, out string key, out string value)
    {
        var i = text.IndexOf('=', StringComparison.Ordinal);
        key = i > 0 ? text[..i] : "";
        value = i > 0 ? text[(i + 1)..] : "";
        return i > 0;
    }

    private static string[] Split(ArgumentResult r) =>
        [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
