using System.Diagnostics;
using System.Globalization;
using Stoke.Client;

namespace Stoke.Benchmarks.Scenarios;

// What the benchmark reads of its child node: CPU, timers, GC and RSS from /proc and the host's commands.
internal static partial class IdleFunctions
{
    // CPU time and timer callbacks of the child over one window in which nothing is asked of it.
    private static async Task<Phase> IdleWindowAsync(Process child, TimeSpan window)
    {
        var (_, firedBefore, _) = await TimersAsync(child);
        var cpuBefore = CpuSeconds(child.Id);
        await Task.Delay(window);
        var cpu = CpuSeconds(child.Id) - cpuBefore;
        var (_, firedAfter, byOwner) = await TimersAsync(child);
        return new Phase(RssMb(child.Id), cpu, firedAfter - firedBefore, byOwner);
    }

    private static async Task<(long Created, long Fired, string ByOwner)> TimersAsync(Process child)
    {
        var parts = (await CommandAsync(child, "timers")).Split(' ', 4);
        return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), parts.Length > 3 ? parts[3] : "");
    }

    private static async Task<double> CommittedMbAsync(Process child) =>
        long.Parse((await CommandAsync(child, "committed"))[10..], CultureInfo.InvariantCulture) / 1048576.0;

    private static async Task<double> ManagedMbAsync(Process child) =>
        long.Parse((await CommandAsync(child, "gc"))[3..], CultureInfo.InvariantCulture) / 1048576.0;

    // Any instance left on the node (the status API's node view, which asks no function's controller).
    private static async Task WaitForNoInstancesAsync(StokeClient client, TimeSpan within)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            var status = await client.StatusAsync();
            var instances = status["nodes"]!.AsArray().Sum(n => n!["instances"]!.AsArray().Count);
            if (instances == 0)
            {
                return;
            }

            if (until.Elapsed > within)
            {
                throw new TimeoutException($"{instances} instances still loaded after {within.TotalSeconds} s.");
            }

            await Task.Delay(500);
        }
    }

    private static async Task<string> CommandAsync(Process child, string command)
    {
        await child.StandardInput.WriteLineAsync(command);
        await child.StandardInput.FlushAsync();
        return await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The server process ended.");
    }

    private static long FolderBytes(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    // utime + stime of /proc/PID/stat (fields 14 and 15, after the command name in parentheses), in seconds.
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    private static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new InvalidOperationException($"No VmRSS for process {pid}.");
    }
}
