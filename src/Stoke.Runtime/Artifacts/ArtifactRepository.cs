using System.Globalization;
using System.Security.Cryptography;
using Stoke.Abstractions.Errors;
using Stoke.Abstractions.Functions;
using Stoke.Durability;
using Stoke.Runtime.Durability;

namespace Stoke.Runtime.Artifacts;

/// <summary>
/// The slowest artifact tier: model files in a folder, addressed by the SHA-256 of their bytes
/// (<c>sha256/ab/abcdef….bin</c>). Identical uploads share one file; a file is written once, durably
/// (<see cref="DurableFile"/>), and never changed. A file whose bytes no longer match its name is moved aside to
/// <c>….bin.corrupt-&lt;UTC time&gt;</c> when it is read, so the next store of the same bytes (a redeploy, a peer's
/// copy) writes a good one.
/// </summary>
public sealed class ArtifactRepository(string root, TimeProvider time, Func<Stream, Stream>? faults = null)
{

    public string Root { get; } = root;

    /// <summary>
    /// Stores the bytes (if not yet stored) and returns their reference. A full disk is a 503 with <c>Retry-After</c>
    /// that leaves no file behind.
    /// </summary>
    public async Task<ArtifactRef> PutAsync(byte[] bytes, string fileName, CancellationToken cancellationToken)
    {
        var artifact = RefOf(bytes, fileName);
        await StoreAsync(artifact, bytes, cancellationToken);
        return artifact;
    }

    /// <summary>The reference of these bytes: their SHA-256, size and file name.</summary>
    public static ArtifactRef RefOf(byte[] bytes, string fileName) =>
        new(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.LongLength, Path.GetFileName(fileName));

    /// <summary>Stores bytes whose reference the caller computed with <see cref="RefOf"/>, if not yet stored.</summary>
    public async Task StoreAsync(ArtifactRef artifact, byte[] bytes, CancellationToken cancellationToken)
    {
        var path = PathOf(artifact.Sha256);
        if (!File.Exists(path))
        {
            try
            {
                await DurableFile.WriteAllBytesAsync(path, bytes, cancellationToken, faults);
            }
            catch (IOException ex) when (DurableFile.IsDiskFull(ex))
            {
                throw new StokeException(
                    StokeErrorKind.Overloaded,
                    $"The artifact repository at {Root} is full: {artifact.FileName} ({bytes.LongLength} bytes) was not stored. Free space and retry.",
                    DiskFull.RetryAfter);
            }
        }
    }

    /// <summary>
    /// Reads an artifact and checks its hash, so a corrupted file is caught rather than loaded; the corrupt file is
    /// quarantined and the read fails with <see cref="InvalidDataException"/> naming where it went.
    /// </summary>
    public async Task<byte[]> GetAsync(ArtifactRef artifact, CancellationToken cancellationToken)
    {
        var path = PathOf(artifact.Sha256);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Artifact {artifact.Sha256} ({artifact.FileName}) is not in the repository at {Root}.", path);
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(sha, artifact.Sha256, StringComparison.Ordinal))
        {
            var aside = Quarantine(path);
            throw new InvalidDataException(
                $"Artifact {artifact.FileName} in the repository is corrupt: its SHA-256 is {sha}, expected {artifact.Sha256}. The file was moved to {aside}.");
        }

        return bytes;
    }

    /// <summary>The file an artifact is stored in (engines that load from a path read it there after verification).</summary>
    public string PathFor(ArtifactRef artifact) => PathOf(artifact.Sha256);

    public bool Contains(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>Deletes the artifact's file; true when there was one.</summary>
    public bool Delete(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        DurableFile.FlushDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    private string Quarantine(string path)
    {
        var aside = path + ".corrupt-" + time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        try
        {
            File.Move(path, aside, overwrite: true);
            return aside;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return path + " (it could not be moved: " + ex.Message + ")";
        }
    }

    private string PathOf(string sha) => Path.Combine(Root, "sha256", sha[..2], sha + ".bin");
}
