using System.Runtime.InteropServices;

namespace Stoke.Durability;

/// <summary>
/// Writes a file so that a crash or power loss leaves either the old file or the whole new one: the bytes go to a
/// temporary file beside it, which is flushed to the disk, renamed over the target, and then the folder itself is
/// flushed so the rename survives too. A failed write (a full disk, a cancelled one) deletes its temporary file.
/// </summary>
public static class DurableFile
{
    /// <summary>How temporary files end; a folder's owner deletes the ones a crashed process left behind.</summary>
    public const string TempSuffix = ".tmp";

    private const int EnospcErrno = 28;           // Linux and macOS
    private const int ErrorDiskFull = 0x70;       // Windows
    private const int ErrorHandleDiskFull = 0x27; // Windows

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> durably, creating its folder.</summary>
    public static Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken, Func<Stream, Stream>? wrap = null) =>
        WriteAsync(path, (stream, ct) => stream.WriteAsync(bytes, ct), cancellationToken, wrap);

    /// <summary>
    /// Writes <paramref name="path"/> durably with <paramref name="write"/>, creating its folder. <paramref name="wrap"/>
    /// wraps the file's stream (a fault injector in tests).
    /// </summary>
    public static async Task WriteAsync(
        string path, Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken, Func<Stream, Stream>? wrap = null)
    {
        var (directory, temp) = Prepare(path);
        try
        {
            // No PreallocationSize: .NET reports a failed preallocation with a generic HResult, a failed write with ENOSPC.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
            await using (var file = new FileStream(temp, options))
            {
                var stream = wrap?.Invoke(file) ?? file;
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            Commit(temp, path, directory);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> durably and at once (a key, a small journal), creating
    /// its folder; on Unix the new file has <paramref name="mode"/> from its creation, so a secret is never readable by others.
    /// </summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, UnixFileMode? mode = null)
    {
        var (directory, temp) = Prepare(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (mode is { } unixMode && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = unixMode;
        }

        try
        {
            using (var file = new FileStream(temp, options))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            Commit(temp, path, directory);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    // The target's folder (created) and a temporary name beside the target that no other writer uses.
    private static (string Directory, string Temp) Prepare(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        return (directory, path + "." + Guid.NewGuid().ToString("N") + TempSuffix);
    }

    // The flushed temporary file takes the target's name, and the rename itself is flushed.
    private static void Commit(string temp, string path, string directory)
    {
        File.Move(temp, path, overwrite: true);
        FlushDirectory(directory);
    }

    /// <summary>
    /// Flushes a folder's entries (a rename, a new file) to the disk. .NET opens no handle on a folder, so on Linux and
    /// macOS this is <c>open</c> + <c>fsync</c>; Windows' NTFS journals its metadata and has no equivalent.
    /// </summary>
    public static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"Cannot flush folder {directory} to the disk (errno {errno}).", errno);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Whether the write failed because the disk (or the user's quota) is full.</summary>
    public static bool IsDiskFull(Exception exception) =>
        exception is IOException io && (io.HResult == EnospcErrno || (io.HResult & 0xFFFF) is ErrorDiskFull or ErrorHandleDiskFull);

    /// <summary>Deletes a file if it is there, ignoring a failure (the folder's next scan retries it).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
