namespace Stoke.Simulator.Traces;

/// <summary>A trace line the reader cannot use; the message names the file, the line and the problem.</summary>
public sealed class TraceFormatException(string file, long line, string problem)
    : Exception($"{file}:{line}: {problem}")
{
    public string File { get; } = file;

    public long Line { get; } = line;

    public string Problem { get; } = problem;
}
