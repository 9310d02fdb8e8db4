using System.Security.Cryptography;
using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Artifacts;

/// <summary>
/// The slowest artifact tier: model files in a folder, addressed by the SHA-256 of their bytes
/// (<c>sha256/ab/abcdef….bin</c>). Identical uploads share one file; a file is written once and never changed.
/// </summary>
public sealed class ArtifactRepository(string root)
{
    public string Root { get; } = root;

    /// <summary>Stores the bytes (if not yet stored) and returns their reference.</summary>
    public async Task<ArtifactRef> PutAsync(byte[] bytes, string fileName, CancellationToken cancellationToken)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var path = PathOf(sha);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }

        return new ArtifactRef(sha, bytes.LongLength, Path.GetFileName(fileName));
    }

    /// <summary>Reads an artifact and checks its hash, so a corrupted file is caught rather than loaded.</summary>
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
            throw new InvalidDataException($"Artifact {artifact.FileName} in the repository is corrupt: its SHA-256 is {sha}, expected {artifact.Sha256}.");
        }

        return bytes;
    }

    /// <summary>The file an artifact is stored in (engines that load from a path read it there after verification).</summary>
    public string PathFor(ArtifactRef artifact) => PathOf(artifact.Sha256);

    public bool Contains(string sha256) => File.Exists(PathOf(sha256));

    public void Delete(string sha256)
    {
        var path = PathOf(sha256);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private string PathOf(string sha) => Path.Combine(Root, "sha256", sha[..2], sha + ".bin");
}
