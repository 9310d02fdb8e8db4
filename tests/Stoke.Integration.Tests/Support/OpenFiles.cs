using System.Runtime.InteropServices;

namespace Stoke.Integration.Tests.Support;

/// <summary>This process's open-file limit (<c>RLIMIT_NOFILE</c>) and another process's open descriptors, on Linux.</summary>
public static class OpenFiles
{
    private const int NoFileResource = 7; // RLIMIT_NOFILE on Linux

    /// <summary>The soft and hard limits of this process.</summary>
    public static (long Soft, long Hard) Limits()
    {
        if (GetRLimit(NoFileResource, out var limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit(RLIMIT_NOFILE) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (Clamp(limit.Current), Clamp(limit.Maximum));
    }

    /// <summary>
    /// Raises this process's soft limit to <paramref name="needed"/> when the hard limit allows it (children inherit
    /// it); the limits after that.
    /// </summary>
    public static (long Soft, long Hard) RaiseTo(long needed)
    {
        var (soft, hard) = Limits();
        if (soft < needed && needed <= hard)
        {
            var raised = new RLimit { Current = (ulong)needed, Maximum = (ulong)hard };
            if (SetRLimit(NoFileResource, in raised) != 0)
            {
                throw new InvalidOperationException($"setrlimit(RLIMIT_NOFILE, {needed}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        return Limits();
    }

    /// <summary>How many descriptors process <paramref name="pid"/> holds open (<c>/proc/PID/fd</c>).</summary>
    public static int Count(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetRLimit(int resource, in RLimit limit);
}
