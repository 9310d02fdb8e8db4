using System.Runtime.InteropServices;

namespace Stoke.Runtime.Instances;

/// <summary>
/// Gives memory freed by native engines back to the OS. glibc keeps the arenas of a disposed ONNX Runtime session
/// resident, so a node that scaled its functions to zero still looked hundreds of MiB large (BENCHMARKS.md, idle
/// footprint); <c>malloc_trim</c> releases them.
/// </summary>
internal static class NativeHeap
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to trim.
        }
        catch (DllNotFoundException)
        {
        }
    }

    // A plain DllImport: blittable arguments, and LibraryImport would need unsafe code in this assembly.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}
