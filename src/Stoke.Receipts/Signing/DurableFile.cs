namespace Stoke.Receipts.Signing;

/// <summary>Writes a file so that a reader sees all of it or none: a temporary name, fsync, then rename into place.</summary>
internal static class DurableFile
{
    public static void WriteAtomically(string path, ReadOnlySpan<byte> contents, bool secret = false)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary); // a leftover from a write cut short, whose mode may not be ours
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // 0600 for the key (nobody else may sign as this node); the chain files are not secret but hold tenants' records.
            options.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        }

        using (var file = new FileStream(temporary, options))
        {
            file.Write(contents);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
