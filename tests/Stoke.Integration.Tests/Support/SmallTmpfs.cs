using System.Diagnostics;

namespace Stoke.Integration.Tests.Support;

/// <summary>
/// A tmpfs of a few megabytes mounted on a temporary folder (needs root, as the test machines run), so a test can fill
/// a real file system and see the kernel's own ENOSPC. Unmounted and removed on dispose.
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    private SmallTmpfs(string path) => Path = path;

    public string Path { get; }

    public static SmallTmpfs Mount(int megabytes)
    {
        var path = Directory.CreateTempSubdirectory("stoke-tmpfs-").FullName;
        var (code, output) = Run("mount", $"-t tmpfs -o size={megabytes}m tmpfs {path}");
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"Cannot mount a {megabytes} MB tmpfs on {path} (the disk-full tests need root): {output}");
        }

        return new SmallTmpfs(path);
    }

    /// <summary>Writes a filler file until the file system is full; returns its path.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        using var file = File.Create(filler);
        var block = new byte[64 << 10];
        try
        {
            while (true)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            return filler;
        }
    }

    public void Dispose()
    {
        Run("umount", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static (int Code, string Output) Run(string command, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
