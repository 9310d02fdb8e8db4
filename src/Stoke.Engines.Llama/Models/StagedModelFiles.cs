namespace Stoke.Engines.Llama;

/// <summary>
/// The GGUF copies one engine (one node) staged in the RAM-backed memory tier, so that they leave with their users:
/// each copy is counted by the sessions loaded from it and deleted when the last one is disposed, and the engine's
/// folder goes when the engine does (node shutdown). The folder (<c>node-&lt;id&gt;</c> under the tier's directory) holds
/// an exclusively locked owner file while its engine lives; a folder whose lock nobody holds was left by a process
/// that died, and is deleted when the next engine starts. Nothing else in the directory is touched.
/// </summary>
public sealed class StagedModelFiles : IDisposable
{
    /// <summary>How this scheme names its folders; only these are swept.</summary>
    public const string FolderPrefix = "node-";

    private const string OwnerLock = ".owner.lock";

    private readonly string _baseDirectory;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _users = new(StringComparer.Ordinal);
    private string? _folder;
    private FileStream? _owner;
    private bool _disposed;

    /// <summary>Opens the staging area under <paramref name="baseDirectory"/> and deletes what crashed processes left there.</summary>
    public StagedModelFiles(string baseDirectory)
    {
        _baseDirectory = baseDirectory;
        StaleFoldersRemoved = SweepStale(baseDirectory);
    }

    /// <summary>Folders of dead processes deleted when this one started.</summary>
    public int StaleFoldersRemoved { get; }

    /// <summary>This engine's folder, once something was staged.</summary>
    public string? Folder
    {
        get { lock (_gate) { return _folder; } }
    }

    /// <summary>
    /// Stages the bytes as <c>&lt;sha256&gt;.gguf</c> (once per artifact; instances share the copy) and returns the path
    /// with a lease: disposing the last lease of a file deletes it.
    /// </summary>
    public IDisposable Stage(byte[] bytes, string sha256, out string path)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var folder = _folder ??= CreateOwnedFolder();
            path = Path.Combine(folder, sha256 + ".gguf");
            if (!_users.TryGetValue(sha256, out var users) || !File.Exists(path))
            {
                var partial = path + "." + Guid.NewGuid().ToString("N") + ".partial";
                File.WriteAllBytes(partial, bytes);
                File.Move(partial, path, overwrite: true);
            }

            _users[sha256] = users + 1;
            return new Lease(this, sha256, path);
        }
    }

    /// <summary>Deletes this engine's folder and everything staged in it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _users.Clear();
            _owner?.Dispose();
            if (_folder is { } folder)
            {
                TryDeleteFolder(folder);
            }
        }
    }

    private void Release(string sha256, string path)
    {
        lock (_gate)
        {
            if (_disposed || !_users.TryGetValue(sha256, out var users))
            {
                return;
            }

            if (users > 1)
            {
                _users[sha256] = users - 1;
                return;
            }

            _users.Remove(sha256);
            // A mapped file stays readable to whoever still maps it; the RAM comes back when the last mapping goes.
            TryDelete(path);
        }
    }

    // Created under a name the sweep ignores and renamed once its owner file is locked, so no sweep sees it unowned.
    private string CreateOwnedFolder()
    {
        var id = Guid.NewGuid().ToString("N");
        var building = Path.Combine(_baseDirectory, "." + id + ".new");
        Directory.CreateDirectory(building);
        _owner = new FileStream(Path.Combine(building, OwnerLock), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        var folder = Path.Combine(_baseDirectory, FolderPrefix + id);
        Directory.Move(building, folder);
        return folder;
    }

    private static int SweepStale(string baseDirectory)
    {
        if (!Directory.Exists(baseDirectory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var folder in Directory.EnumerateDirectories(baseDirectory, FolderPrefix + "*"))
        {
            try
            {
                // .NET locks a file opened with FileShare.None (flock on Unix): the open fails while its owner lives.
                using (new FileStream(Path.Combine(folder, OwnerLock), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }
            }
            catch (FileNotFoundException)
            {
                // No owner file: not a folder of this scheme as it writes them; leave it.
                continue;
            }
            catch (IOException)
            {
                continue; // its owner is alive
            }

            if (TryDeleteFolder(folder))
            {
                removed++;
            }
        }

        return removed;
    }

    private static bool TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private sealed class Lease(StagedModelFiles owner, string sha256, string path) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(sha256, path);
            }
        }
    }
}
