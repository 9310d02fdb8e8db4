using Stoke.Durability;
using Stoke.Runtime.Durability;
using Stoke.Runtime.Tests.Artifacts;

namespace Stoke.Runtime.Tests.Durability;

public sealed class DurableFileTests : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task WritesTheWholeFileAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_folder.Path, "a", "b", "state.json");

        await DurableFile.WriteAllBytesAsync(path, "hello"u8.ToArray(), CancellationToken.None);

        Assert.Equal("hello"u8.ToArray(), await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TheSynchronousWriteReplacesTheFileWholeWithItsModeFromTheStart()
    {
        var path = Path.Combine(_folder.Path, "keys", "node.key");
        DurableFile.WriteAllBytes(path, "old"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        DurableFile.WriteAllBytes(path, "new"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal("new"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task AFullDiskLeavesTheOldFileWholeAndNoTemporaryFile()
    {
        var path = Path.Combine(_folder.Path, "state.json");
        await DurableFile.WriteAllBytesAsync(path, "old"u8.ToArray(), CancellationToken.None);

        var error = await Assert.ThrowsAsync<IOException>(() =>
            DurableFile.WriteAllBytesAsync(path, new byte[4096], CancellationToken.None, DiskFullFaultInjector.After(100)));

        Assert.True(DurableFile.IsDiskFull(error));
        Assert.Equal("old"u8.ToArray(), await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void OtherIoErrorsAreNotDiskFull() =>
        Assert.False(DurableFile.IsDiskFull(new IOException("Input/output error", 5)));

    [Fact]
    public void FlushingAFolderThatIsNotThereFailsWithItsName()
    {
        var missing = Path.Combine(_folder.Path, "missing");

        var error = Assert.Throws<IOException>(() => DurableFile.FlushDirectory(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
