using Stoke.Simulator.Traces;

namespace Stoke.Cli.Sim;

/// <summary>Reads <c>--trace kind:path</c> (<c>synthetic</c> needs no path).</summary>
public static class TraceArgument
{
    public static readonly IReadOnlyDictionary<string, TraceKind> Kinds = new Dictionary<string, TraceKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["gentd26"] = TraceKind.GenTd26,
        ["servegen"] = TraceKind.ServeGen,
        ["azure-llm"] = TraceKind.AzureLlm,
        ["csv"] = TraceKind.Csv,
        ["synthetic"] = TraceKind.Synthetic,
    };

    public static bool TryParse(string text, out TraceKind kind, out string? path, out string? problem)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        path = colon < 0 || colon == text.Length - 1 ? null : text[(colon + 1)..];
        problem = null;
        if (!Kinds.TryGetValue(name, out kind))
        {
            problem = $"--trace '{text}': unknown kind '{name}'; use KIND:PATH with KIND one of {string.Join(", ", Kinds.Keys)}.";
            return false;
        }

        if (kind != TraceKind.Synthetic && path is null)
        {
            problem = $"--trace '{text}': a {name} trace needs a path, e.g. {name}:traces/file.csv.";
            return false;
        }

        return true;
    }
}
