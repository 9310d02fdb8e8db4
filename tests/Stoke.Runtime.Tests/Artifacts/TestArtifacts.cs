using System.Security.Cryptography;
using Stoke.Abstractions.Functions;

namespace Stoke.Runtime.Tests.Artifacts;

/// <summary>Deterministic artifact bytes with their reference, and a scratch folder that goes with the test.</summary>
internal static class TestArtifacts
{
    public static (ArtifactRef Ref, byte[] Bytes) Make(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return (new ArtifactRef(Convert.ToHexStringLower(SHA256.HashData(bytes)), size, $"model-{seed}.onnx"), bytes);
    }
}

internal sealed class ScratchFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stoke-runtime-test-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
