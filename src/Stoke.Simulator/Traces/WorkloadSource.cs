namespace Stoke.Simulator.Traces;

/// <summary>
/// A workload the CLI names by kind and path; <see cref="Open"/> streams it afresh each time, so one source
/// can feed every run of a sweep.
/// </summary>
public sealed record WorkloadSource
{
    public required TraceKind Kind { get; init; }

    /// <summary>File or folder; unused for <see cref="TraceKind.Synthetic"/>.</summary>
    public string? Path { get; init; }

    /// <summary>Skip and count bad lines instead of failing on the first.</summary>
    public bool Lenient { get; init; }

    public ServeGenOptions ServeGen { get; init; } = new();

    public LlmTiming Llm { get; init; } = new();

    public int SyntheticFunctions { get; init; } = 1000;

    public long SyntheticRequests { get; init; } = 1_000_000;

    public TimeSpan SyntheticPeriod { get; init; } = TimeSpan.FromDays(1);

    public int Seed { get; init; } = 1;

    /// <summary>Skipped lines of every <see cref="Open"/> so far.</summary>
    public TraceDiagnostics Diagnostics { get; } = new();

    public IEnumerable<TraceRequest> Open()
    {
        var options = new TraceReadOptions { Lenient = Lenient, Diagnostics = Diagnostics };
        return Kind switch
        {
            TraceKind.GenTd26 => GenTd26TraceReader.Read(RequirePath(), options),
            TraceKind.ServeGen => ServeGenTraceReader.Read(RequirePath(), ServeGen with { Seed = Seed }, options),
            TraceKind.AzureLlm => AzureLlmTraceReader.Read(RequirePath(), "azure-llm", Llm, options),
            TraceKind.Csv => CsvTraceReader.Read(RequirePath(), options),
            TraceKind.Synthetic => SyntheticTrace.Generate(SyntheticFunctions, SyntheticRequests, SyntheticPeriod, Seed),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown trace kind"),
        };
    }

    /// <summary>
    /// The measured cold-start distribution that ships with the trace (GenTD26's base-model load latencies),
    /// or null when the trace has none.
    /// </summary>
    public EmpiricalDistribution? MeasuredLoadTimes()
    {
        if (Kind != TraceKind.GenTd26 || Path is null)
        {
            return null;
        }

        var folder = Directory.Exists(Path) ? Path : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        var file = System.IO.Path.Combine(folder, GenTd26TraceReader.BaseModelLoadFile);
        return System.IO.File.Exists(file) ? GenTd26TraceReader.ReadLoadLatencies(file, new TraceReadOptions { Lenient = Lenient, Diagnostics = Diagnostics }) : null;
    }

    /// <summary>Requests to expect, for progress: counted lines for file traces (fast, streaming), exact for synthetic.</summary>
    public long EstimateRequests()
    {
        if (Kind == TraceKind.Synthetic)
        {
            return SyntheticRequests;
        }

        if (Kind == TraceKind.ServeGen || Path is null)
        {
            return 0;
        }

        var file = Kind == TraceKind.GenTd26 && Directory.Exists(Path) ? System.IO.Path.Combine(Path, GenTd26TraceReader.RequestFile) : Path;
        if (!System.IO.File.Exists(file))
        {
            return 0;
        }

        long lines = 0;
        using var reader = new StreamReader(file);
        while (reader.ReadLine() is not null)
        {
            lines++;
        }

        return Math.Max(0, lines - 1);
    }

    private string RequirePath() => Path ?? throw new ArgumentException($"A {Kind} trace needs a path.", nameof(Path));
}
