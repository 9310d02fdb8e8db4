using System.Globalization;

namespace Stoke.Benchmarks.Soak;

/// <summary>One reading of a process's footprint: resident memory, open file descriptors and threads, at a time into the run.</summary>
internal readonly record struct ProcessSample(TimeSpan At, double RssMib, int Fds, int Threads);

/// <summary>
/// Reads a Linux process's footprint from <c>/proc</c>: <c>VmRSS</c> and <c>Threads</c> of <c>/proc/PID/status</c>, and
/// the entries of <c>/proc/PID/fd</c> (files, sockets, pipes, eventfds: every handle the process holds).
/// </summary>
internal static class ProcessProbe
{
    public static ProcessSample Read(int pid, TimeSpan at)
    {
        var rss = double.NaN;
        var threads = -1;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Field(line) / 1024.0;
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = (int)Field(line);
            }
        }

        var fds = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
        return double.IsNaN(rss) || threads < 0
            ? throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS or Threads line.")
            : new ProcessSample(at, rss, fds, threads);
    }

    private static long Field(string line) => long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
