using System.Runtime.InteropServices;

namespace Stoke.Gateway.Hosting;

/// <summary>
/// The gateway's cap on concurrent connections, fitted to the process's open-file limit: a cap above what the
/// process may open would end in failed accepts (EMFILE) instead of a clean close of the excess connections.
/// </summary>
public static class ConnectionLimits
{
    /// <summary>Open files kept for everything but the gateway's connections (the silo, artifacts, state files, logs).</summary>
    public static long Reserve(long openFileLimit) => Math.Min(1024, openFileLimit / 4);

    /// <summary>
    /// The cap a listener applies: the configured one, or less when the open-file limit would not hold it beside the
    /// <paramref name="heldElsewhere"/> connections the node's other listeners may hold.
    /// </summary>
    public static long Effective(long configured, long? openFileLimit, long heldElsewhere = 0) =>
        openFileLimit is { } limit ? Math.Max(1, Math.Min(configured, limit - Reserve(limit) - heldElsewhere)) : configured;

    /// <summary>The soft open-file limit of this process (<c>RLIMIT_NOFILE</c>; .NET raises it to the hard one at start), or null where unknown.</summary>
    public static long? OpenFileLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return GetRLimit(NoFileResource, out var limit) == 0 && limit.Current < long.MaxValue ? (long)limit.Current : null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    private const int NoFileResource = 7; // RLIMIT_NOFILE on Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // A plain DllImport: blittable arguments, and LibraryImport would need unsafe code in this assembly.
    [DllImport("libc", EntryPoint = "getrlimit")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int GetRLimit(int resource, out RLimit limit);
}
