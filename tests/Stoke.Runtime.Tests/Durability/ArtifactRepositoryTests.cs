using Microsoft.Extensions.Time.Testing;
using Stoke.Abstractions.Errors;
using Stoke.Runtime.Artifacts;
using Stoke.Runtime.Tests.Artifacts;

namespace Stoke.Runtime.Tests.Durability;

/// <summary>The repository's answers to a corrupt file and a full disk.</summary>
public sealed class ArtifactRepositoryTests : IDisposable
{
    private readonly ScratchFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero));
    private readonly (Abstractions.Functions.ArtifactRef Ref, byte[] Bytes) _model = TestArtifacts.Make(3, 50_000);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ACorruptFileIsQuarantinedWhenRead()
    {
        var repository = new ArtifactRepository(_folder.Path, _time);
        await repository.StoreAsync(_model.Ref, _model.Bytes, CancellationToken.None);
        var path = repository.PathFor(_model.Ref);
        await using (var file = File.OpenWrite(path))
        {
            file.WriteByte(0x42);
        }

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => repository.GetAsync(_model.Ref, CancellationToken.None));

        Assert.Contains(path + ".corrupt-20261201T200000000Z", error.Message, StringComparison.Ordinal);
        Assert.False(repository.Contains(_model.Ref.Sha256));
    }

    [Fact]
    public async Task StoringTheBytesAgainRefillsAQuarantinedArtifact()
    {
        var repository = new ArtifactRepository(_folder.Path, _time);
        await repository.StoreAsync(_model.Ref, _model.Bytes, CancellationToken.None);
        await File.WriteAllBytesAsync(repository.PathFor(_model.Ref), [1, 2, 3]);
        await Assert.ThrowsAsync<InvalidDataException>(() => repository.GetAsync(_model.Ref, CancellationToken.None));

        await repository.StoreAsync(_model.Ref, _model.Bytes, CancellationToken.None);

        Assert.Equal(_model.Bytes, await repository.GetAsync(_model.Ref, CancellationToken.None));
    }

    [Fact]
    public async Task AFullDiskIsA503ThatLeavesNoFile()
    {
        var repository = new ArtifactRepository(_folder.Path, _time, DiskFullFaultInjector.After(1000));

        var error = await Assert.ThrowsAsync<StokeException>(() => repository.StoreAsync(_model.Ref, _model.Bytes, CancellationToken.None));

        Assert.Equal(StokeErrorKind.Overloaded, error.Kind);
        Assert.Contains("is full", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*", SearchOption.AllDirectories));
    }
}
