using Stoke.Durability;

namespace Stoke.Runtime.Artifacts;

// The tier's folder: the scan that rebuilds the index after a restart (least recently used by each file's write
// time), and deleting files.
public sealed partial class DiskTier
{
    private void Rescan()
    {
        Directory.CreateDirectory(Root);
        var found = new List<(string Sha, long Size, DateTime LastUse)>();
        foreach (var file in new DirectoryInfo(Root).EnumerateFiles())
        {
            if (file.Name.EndsWith(TempExtension, StringComparison.Ordinal))
            {
                // A write the previous process did not finish.
                TryDelete(file.FullName);
            }
            else if (file.Name.EndsWith(Extension, StringComparison.Ordinal) && IsSha256(file.Name[..^Extension.Length]))
            {
                found.Add((file.Name[..^Extension.Length], file.Length, file.LastWriteTimeUtc));
            }
        }

        List<Entry> victims;
        lock (_gate)
        {
            foreach (var (sha, size, _) in found.OrderByDescending(f => f.LastUse))
            {
                _index[sha] = _lru.AddLast(new Entry(sha, size) { Stored = true });
                _used += size;
            }

            // The budget may have shrunk since the files were written.
            TryMakeRoom(0, out victims);
        }

        DeleteFiles(victims, "over the tier's budget after a restart");
        Log.Rescanned(_logger, Root, found.Count - victims.Count, UsedBytes, CapacityBytes);
    }

    private void DeleteFiles(List<Entry> victims, string reason)
    {
        foreach (var victim in victims)
        {
            TryDelete(PathFor(victim.Sha));
            Log.Evicted(_logger, victim.Sha, victim.Size, reason);
        }
    }

    private static void TryDelete(string path) => DurableFile.TryDelete(path);

    private static bool IsSha256(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);
}
