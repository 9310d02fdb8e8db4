namespace Stoke.Simulator.Traces;

/// <summary>How strictly a reader treats bad lines, and where it counts the ones it skips.</summary>
public sealed class TraceReadOptions
{
    /// <summary>Skip bad lines (counted in <see cref="Diagnostics"/>) instead of throwing <see cref="TraceFormatException"/>.</summary>
    public bool Lenient { get; init; }

    /// <summary>Receives the count and first few reasons of skipped lines.</summary>
    public TraceDiagnostics Diagnostics { get; init; } = new();

    public static TraceReadOptions Strict => new();
}

/// <summary>Lines skipped by lenient parsing, with the first reasons kept for the report.</summary>
public sealed class TraceDiagnostics
{
    private readonly List<string> _samples = [];

    public long SkippedLines { get; private set; }

    /// <summary>Up to ten skip reasons, each naming file and line.</summary>
    public IReadOnlyList<string> Samples => _samples;

    public void Skip(TraceFormatException problem)
    {
        SkippedLines++;
        if (_samples.Count < 10)
        {
            _samples.Add(problem.Message);
        }
    }
}
