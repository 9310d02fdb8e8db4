using System.Runtime.InteropServices;

namespace Stoke.Engines.Llama;

/// <summary>
/// Where a GGUF file is loaded from. llama.cpp loads from a path, so the node memory tier is a file in tmpfs
/// (<c>/dev/shm</c>, RAM-backed) memory-mapped without disk I/O; the repository tier is a file on disk whose
/// pages may or may not be in the page cache. <see cref="EvictFromPageCache"/> makes a repository load truly cold.
/// </summary>
public static class ModelFileTiers
{
    private const int PosixFadvDontNeed = 4;

    /// <summary>The RAM-backed folder the memory tier uses: <c>/dev/shm/stoke-models</c>, or the temp folder without tmpfs.</summary>
    public static string DefaultMemoryTierDirectory =>
        Directory.Exists("/dev/shm") ? "/dev/shm/stoke-models" : System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stoke-models");

    /// <summary>Copies a model into the memory tier (once; an existing copy of the same size is reused) and returns its path.</summary>
    public static string StageInMemory(string sourcePath, string? directory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        directory ??= DefaultMemoryTierDirectory;
        Directory.CreateDirectory(directory);
        var target = System.IO.Path.Combine(directory, System.IO.Path.GetFileName(sourcePath));
        var source = new FileInfo(sourcePath);
        var existing = new FileInfo(target);
        if (!existing.Exists || existing.Length != source.Length)
        {
            // Copy then rename, so a concurrent reader never maps a half-written file.
            var partial = target + "." + Environment.ProcessId + ".partial";
            File.Copy(sourcePath, partial, overwrite: true);
            File.Move(partial, target, overwrite: true);
        }

        return target;
    }

    /// <summary>
    /// Asks the kernel to drop the file's clean pages from the page cache (<c>posix_fadvise DONTNEED</c>), so the next
    /// load reads the disk. Returns false where that is not available. Has no effect on tmpfs, which is the memory itself.
    /// </summary>
    public static bool EvictFromPageCache(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return PosixFadvise((int)file.DangerousGetHandle(), 0, 0, PosixFadvDontNeed) == 0;
    }

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);
}
