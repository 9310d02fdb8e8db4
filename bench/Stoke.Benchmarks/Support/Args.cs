using System.Globalization;

namespace Stoke.Benchmarks.Support;

/// <summary>Reads <c>--name value</c> options of a benchmark command, with defaults.</summary>
internal sealed class Args(string[] args)
{
    public string? Get(string name)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public int Int(string name, int fallback) => Get(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    public long Long(string name, long fallback) => Get(name) is { } s ? long.Parse(s, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => Get(name) is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : fallback;

    public string Str(string name, string fallback) => Get(name) ?? fallback;
}
